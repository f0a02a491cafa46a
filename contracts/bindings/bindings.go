// Compiled with solc 0.8.30+commit.73712a01.Emscripten.clang from contracts/src by contracts/gen (go generate ./contracts/...).

// Code generated - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/event"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = errors.New
	_ = big.NewInt
	_ = strings.NewReader
	_ = ethereum.NotFound
	_ = bind.Bind
	_ = common.Big1
	_ = types.BloomLookup
	_ = event.NewSubscription
	_ = abi.ConvertType
	_ = time.Tick
	_ = context.Background
)

// L2OutputOracleOutputProposal is an auto generated low-level Go binding around an user-defined struct.
type L2OutputOracleOutputProposal struct {
	OutputRoot    [32]byte
	Timestamp     *big.Int
	L2BlockNumber *big.Int
}

// L2OutputOracleParams is an auto generated low-level Go binding around an user-defined struct.
type L2OutputOracleParams struct {
	SubmissionInterval        *big.Int
	L2BlockTime               *big.Int
	StartingBlockNumber       *big.Int
	StartingTimestamp         *big.Int
	StartingOutputRoot        [32]byte
	Proposer                  common.Address
	Challenger                common.Address
	FinalizationPeriodSeconds *big.Int
	Verifier                  common.Address
	ImageId                   [32]byte
	ConfigHash                [32]byte
	AllowDevVerifier          bool
}

// DevVerifierMetaData contains all meta data concerning the DevVerifier contract.
var DevVerifierMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"bool\",\"name\":\"acknowledgeInsecure\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"InsecureNotAcknowledged\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidDevReceipt\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"DEV_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"isDev\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"imageId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"prevOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"newOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"proof\",\"type\":\"bytes\"}],\"name\":\"verify\",\"outputs\":[],\"stateMutability\":\"pure\",\"type\":\"function\"}]",
	Sigs: map[string]string{
		"DEV_TAG()": "40ce425b",
		"verify(bytes32,bytes32,bytes32,bytes32,uint256,bytes)": "5c7aba1e",
		"isDev()": "f079914f",
	},
	Bin: "0x6080604052348015600e575f5ffd5b5060405161027f38038061027f833981016040819052602b91604d565b8060485760405163a5b8438560e01b815260040160405180910390fd5b506071565b5f60208284031215605c575f5ffd5b81518015158114606a575f5ffd5b9392505050565b6102018061007e5f395ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c806340ce425b146100435780635c7aba1e1461007d578063f079914f14610092575b5f5ffd5b61006a7f364b2fc6ab2aa9c87f6e2b11c4a7dc46da2677bbca33e994ab8fd6b9a9ca992e81565b6040519081526020015b60405180910390f35b61009061008b366004610155565b6100a1565b005b60405160018152602001610074565b604080517f364b2fc6ab2aa9c87f6e2b11c4a7dc46da2677bbca33e994ab8fd6b9a9ca992e6020820152808201899052606081018890526080810187905260a0810186905260c08082018690528251808303909101815260e090910190915280518214158061012d57508051602082012060405161012290859085906101f2565b604051809103902014155b1561014b57604051634f8986bf60e11b815260040160405180910390fd5b5050505050505050565b5f5f5f5f5f5f5f60c0888a03121561016b575f5ffd5b873596506020880135955060408801359450606088013593506080880135925060a088013567ffffffffffffffff8111156101a4575f5ffd5b8801601f81018a136101b4575f5ffd5b803567ffffffffffffffff8111156101ca575f5ffd5b8a60208284010111156101db575f5ffd5b602082019350809250505092959891949750929550565b818382375f910190815291905056",
}

// DevVerifierABI is the input ABI used to generate the binding from.
// Deprecated: Use DevVerifierMetaData.ABI instead.
var DevVerifierABI = DevVerifierMetaData.ABI

// Deprecated: Use DevVerifierMetaData.Sigs instead.
// DevVerifierFuncSigs maps the 4-byte function signature to its string representation.
var DevVerifierFuncSigs = DevVerifierMetaData.Sigs

// DevVerifierBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use DevVerifierMetaData.Bin instead.
var DevVerifierBin = DevVerifierMetaData.Bin

// DeployDevVerifier deploys a new Ethereum contract, binding an instance of DevVerifier to it.
func DeployDevVerifier(auth *bind.TransactOpts, backend bind.ContractBackend, acknowledgeInsecure bool) (common.Address, *types.Transaction, *DevVerifier, error) {
	parsed, err := DevVerifierMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(DevVerifierBin), backend, acknowledgeInsecure)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &DevVerifier{DevVerifierCaller: DevVerifierCaller{contract: contract}, DevVerifierTransactor: DevVerifierTransactor{contract: contract}, DevVerifierFilterer: DevVerifierFilterer{contract: contract}}, nil
}

// DevVerifier is an auto generated Go binding around an Ethereum contract.
type DevVerifier struct {
	DevVerifierCaller     // Read-only binding to the contract
	DevVerifierTransactor // Write-only binding to the contract
	DevVerifierFilterer   // Log filterer for contract events
}

// DevVerifierCaller is an auto generated read-only Go binding around an Ethereum contract.
type DevVerifierCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// DevVerifierTransactor is an auto generated write-only Go binding around an Ethereum contract.
type DevVerifierTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// DevVerifierFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type DevVerifierFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// DevVerifierSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type DevVerifierSession struct {
	Contract     *DevVerifier      // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// DevVerifierCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type DevVerifierCallerSession struct {
	Contract *DevVerifierCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts      // Call options to use throughout this session
}

// DevVerifierTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type DevVerifierTransactorSession struct {
	Contract     *DevVerifierTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts      // Transaction auth options to use throughout this session
}

// DevVerifierRaw is an auto generated low-level Go binding around an Ethereum contract.
type DevVerifierRaw struct {
	Contract *DevVerifier // Generic contract binding to access the raw methods on
}

// DevVerifierCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type DevVerifierCallerRaw struct {
	Contract *DevVerifierCaller // Generic read-only contract binding to access the raw methods on
}

// DevVerifierTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type DevVerifierTransactorRaw struct {
	Contract *DevVerifierTransactor // Generic write-only contract binding to access the raw methods on
}

// NewDevVerifier creates a new instance of DevVerifier, bound to a specific deployed contract.
func NewDevVerifier(address common.Address, backend bind.ContractBackend) (*DevVerifier, error) {
	contract, err := bindDevVerifier(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &DevVerifier{DevVerifierCaller: DevVerifierCaller{contract: contract}, DevVerifierTransactor: DevVerifierTransactor{contract: contract}, DevVerifierFilterer: DevVerifierFilterer{contract: contract}}, nil
}

// NewDevVerifierCaller creates a new read-only instance of DevVerifier, bound to a specific deployed contract.
func NewDevVerifierCaller(address common.Address, caller bind.ContractCaller) (*DevVerifierCaller, error) {
	contract, err := bindDevVerifier(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &DevVerifierCaller{contract: contract}, nil
}

// NewDevVerifierTransactor creates a new write-only instance of DevVerifier, bound to a specific deployed contract.
func NewDevVerifierTransactor(address common.Address, transactor bind.ContractTransactor) (*DevVerifierTransactor, error) {
	contract, err := bindDevVerifier(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &DevVerifierTransactor{contract: contract}, nil
}

// NewDevVerifierFilterer creates a new log filterer instance of DevVerifier, bound to a specific deployed contract.
func NewDevVerifierFilterer(address common.Address, filterer bind.ContractFilterer) (*DevVerifierFilterer, error) {
	contract, err := bindDevVerifier(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &DevVerifierFilterer{contract: contract}, nil
}

// bindDevVerifier binds a generic wrapper to an already deployed contract.
func bindDevVerifier(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := DevVerifierMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_DevVerifier *DevVerifierRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _DevVerifier.Contract.DevVerifierCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_DevVerifier *DevVerifierRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _DevVerifier.Contract.DevVerifierTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_DevVerifier *DevVerifierRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _DevVerifier.Contract.DevVerifierTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_DevVerifier *DevVerifierCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _DevVerifier.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_DevVerifier *DevVerifierTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _DevVerifier.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_DevVerifier *DevVerifierTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _DevVerifier.Contract.contract.Transact(opts, method, params...)
}

// DEVTAG is a free data retrieval call binding the contract method 0x40ce425b.
//
// Solidity: function DEV_TAG() view returns(bytes32)
func (_DevVerifier *DevVerifierCaller) DEVTAG(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _DevVerifier.contract.Call(opts, &out, "DEV_TAG")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// DEVTAG is a free data retrieval call binding the contract method 0x40ce425b.
//
// Solidity: function DEV_TAG() view returns(bytes32)
func (_DevVerifier *DevVerifierSession) DEVTAG() ([32]byte, error) {
	return _DevVerifier.Contract.DEVTAG(&_DevVerifier.CallOpts)
}

// DEVTAG is a free data retrieval call binding the contract method 0x40ce425b.
//
// Solidity: function DEV_TAG() view returns(bytes32)
func (_DevVerifier *DevVerifierCallerSession) DEVTAG() ([32]byte, error) {
	return _DevVerifier.Contract.DEVTAG(&_DevVerifier.CallOpts)
}

// IsDev is a free data retrieval call binding the contract method 0xf079914f.
//
// Solidity: function isDev() pure returns(bool)
func (_DevVerifier *DevVerifierCaller) IsDev(opts *bind.CallOpts) (bool, error) {
	var out []interface{}
	err := _DevVerifier.contract.Call(opts, &out, "isDev")

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// IsDev is a free data retrieval call binding the contract method 0xf079914f.
//
// Solidity: function isDev() pure returns(bool)
func (_DevVerifier *DevVerifierSession) IsDev() (bool, error) {
	return _DevVerifier.Contract.IsDev(&_DevVerifier.CallOpts)
}

// IsDev is a free data retrieval call binding the contract method 0xf079914f.
//
// Solidity: function isDev() pure returns(bool)
func (_DevVerifier *DevVerifierCallerSession) IsDev() (bool, error) {
	return _DevVerifier.Contract.IsDev(&_DevVerifier.CallOpts)
}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) pure returns()
func (_DevVerifier *DevVerifierCaller) Verify(opts *bind.CallOpts, imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	var out []interface{}
	err := _DevVerifier.contract.Call(opts, &out, "verify", imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)

	if err != nil {
		return err
	}

	return err

}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) pure returns()
func (_DevVerifier *DevVerifierSession) Verify(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	return _DevVerifier.Contract.Verify(&_DevVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)
}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) pure returns()
func (_DevVerifier *DevVerifierCallerSession) Verify(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	return _DevVerifier.Contract.Verify(&_DevVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)
}

// Groth16OutputVerifierMetaData contains all meta data concerning the Groth16OutputVerifier contract.
var Groth16OutputVerifierMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIGroth16Verifier\",\"name\":\"verifier\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"keySetRoot_\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"proofLength_\",\"type\":\"uint256\"},{\"internalType\":\"bool\",\"name\":\"dev_\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"CommitmentInvalid\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"what\",\"type\":\"string\"}],\"name\":\"InvalidParams\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ProofInvalid\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"got\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"want\",\"type\":\"uint256\"}],\"name\":\"ProofLengthMismatch\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"PublicInputNotInField\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"imageId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"prevOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"newOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"}],\"name\":\"claimDigest\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"groth16Verifier\",\"outputs\":[{\"internalType\":\"contractIGroth16Verifier\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"isDev\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"keySetRoot\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proofLength\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"imageId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"prevOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"newOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"proof\",\"type\":\"bytes\"}],\"name\":\"verify\",\"outputs\":[],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	Sigs: map[string]string{
		"groth16Verifier()": "19c813be",
		"keySetRoot()":      "3e1d5bb1",
		"verify(bytes32,bytes32,bytes32,bytes32,uint256,bytes)": "5c7aba1e",
		"claimDigest(bytes32,bytes32,bytes32,bytes32,uint256)":  "a8d85372",
		"isDev()":       "f079914f",
		"proofLength()": "f5619fda",
	},
	Bin: "0x610100604052348015610010575f5ffd5b506040516106cf3803806106cf83398101604081905261002f91610159565b836001600160a01b03163b5f036100795760405163a8c278dd60e01b81526020600482015260086024820152673b32b934b334b2b960c11b60448201526064015b60405180910390fd5b7f30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f000000183106100d65760405163a8c278dd60e01b815260206004820152600a6024820152691ad95e54d95d149bdbdd60b21b6044820152606401610070565b81610100141580156100fc57506101808210806100fc57506100f96040836101b1565b15155b156101385760405163a8c278dd60e01b815260206004820152600b60248201526a0e0e4dedecc98cadccee8d60ab1b6044820152606401610070565b6001600160a01b0390931660805260a09190915260c052151560e0526101d0565b5f5f5f5f6080858703121561016c575f5ffd5b84516001600160a01b0381168114610182575f5ffd5b602086015160408701516060880151929650909450925080151581146101a6575f5ffd5b939692955090935050565b5f826101cb57634e487b7160e01b5f52601260045260245ffd5b500690565b60805160a05160c05160e0516104b261021d5f395f61010a01525f818161013a0152818161015e015261019901525f818160ad01526101d701525f81816069015261022401526104b25ff3fe608060405234801561000f575f5ffd5b5060043610610060575f3560e01c806319c813be146100645780633e1d5bb1146100a85780635c7aba1e146100dd578063a8d85372146100f2578063f079914f14610105578063f5619fda14610135575b5f5ffd5b61008b7f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020015b60405180910390f35b6100cf7f000000000000000000000000000000000000000000000000000000000000000081565b60405190815260200161009f565b6100f06100eb366004610332565b61015c565b005b6100cf6101003660046103cf565b610293565b6040517f00000000000000000000000000000000000000000000000000000000000000001515815260200161009f565b6100cf7f000000000000000000000000000000000000000000000000000000000000000081565b7f000000000000000000000000000000000000000000000000000000000000000081146101c957604051633a67ea2360e11b8152600481018290527f0000000000000000000000000000000000000000000000000000000000000000602482015260440160405180910390fd5b5f60405180604001604052807f000000000000000000000000000000000000000000000000000000000000000081526020016102088a8a8a8a8a610293565b90526040516370ffa84160e11b81529091506001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000169063e1ff50829061025d90869086908690600401610406565b5f6040518083038186803b158015610273575f5ffd5b505afa158015610285573d5f5f3e3d5ffd5b505050505050505050505050565b5f6102a36001600160fd1b610460565b6040805160208101899052908101879052606081018690526080810185905260a0810184905260029060c00160408051601f19818403018152908290526102e991610485565b602060405180830381855afa158015610304573d5f5f3e3d5ffd5b5050506040513d601f19601f82011682018060405250810190610327919061049b565b169695505050505050565b5f5f5f5f5f5f5f60c0888a031215610348575f5ffd5b873596506020880135955060408801359450606088013593506080880135925060a088013567ffffffffffffffff811115610381575f5ffd5b8801601f81018a13610391575f5ffd5b803567ffffffffffffffff8111156103a7575f5ffd5b8a60208284010111156103b8575f5ffd5b602082019350809250505092959891949750929550565b5f5f5f5f5f60a086880312156103e3575f5ffd5b505083359560208501359550604085013594606081013594506080013592509050565b60608152826060820152828460808301375f608084830101525f6080601f19601f860116830101905060208201835f5b6002811015610455578151835260209283019290910190600101610436565b505050949350505050565b8181038181111561047f57634e487b7160e01b5f52601160045260245ffd5b92915050565b5f82518060208501845e5f920191825250919050565b5f602082840312156104ab575f5ffd5b505191905056",
}

// Groth16OutputVerifierABI is the input ABI used to generate the binding from.
// Deprecated: Use Groth16OutputVerifierMetaData.ABI instead.
var Groth16OutputVerifierABI = Groth16OutputVerifierMetaData.ABI

// Deprecated: Use Groth16OutputVerifierMetaData.Sigs instead.
// Groth16OutputVerifierFuncSigs maps the 4-byte function signature to its string representation.
var Groth16OutputVerifierFuncSigs = Groth16OutputVerifierMetaData.Sigs

// Groth16OutputVerifierBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use Groth16OutputVerifierMetaData.Bin instead.
var Groth16OutputVerifierBin = Groth16OutputVerifierMetaData.Bin

// DeployGroth16OutputVerifier deploys a new Ethereum contract, binding an instance of Groth16OutputVerifier to it.
func DeployGroth16OutputVerifier(auth *bind.TransactOpts, backend bind.ContractBackend, verifier common.Address, keySetRoot_ *big.Int, proofLength_ *big.Int, dev_ bool) (common.Address, *types.Transaction, *Groth16OutputVerifier, error) {
	parsed, err := Groth16OutputVerifierMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(Groth16OutputVerifierBin), backend, verifier, keySetRoot_, proofLength_, dev_)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &Groth16OutputVerifier{Groth16OutputVerifierCaller: Groth16OutputVerifierCaller{contract: contract}, Groth16OutputVerifierTransactor: Groth16OutputVerifierTransactor{contract: contract}, Groth16OutputVerifierFilterer: Groth16OutputVerifierFilterer{contract: contract}}, nil
}

// Groth16OutputVerifier is an auto generated Go binding around an Ethereum contract.
type Groth16OutputVerifier struct {
	Groth16OutputVerifierCaller     // Read-only binding to the contract
	Groth16OutputVerifierTransactor // Write-only binding to the contract
	Groth16OutputVerifierFilterer   // Log filterer for contract events
}

// Groth16OutputVerifierCaller is an auto generated read-only Go binding around an Ethereum contract.
type Groth16OutputVerifierCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// Groth16OutputVerifierTransactor is an auto generated write-only Go binding around an Ethereum contract.
type Groth16OutputVerifierTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// Groth16OutputVerifierFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type Groth16OutputVerifierFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// Groth16OutputVerifierSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type Groth16OutputVerifierSession struct {
	Contract     *Groth16OutputVerifier // Generic contract binding to set the session for
	CallOpts     bind.CallOpts          // Call options to use throughout this session
	TransactOpts bind.TransactOpts      // Transaction auth options to use throughout this session
}

// Groth16OutputVerifierCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type Groth16OutputVerifierCallerSession struct {
	Contract *Groth16OutputVerifierCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts                // Call options to use throughout this session
}

// Groth16OutputVerifierTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type Groth16OutputVerifierTransactorSession struct {
	Contract     *Groth16OutputVerifierTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts                // Transaction auth options to use throughout this session
}

// Groth16OutputVerifierRaw is an auto generated low-level Go binding around an Ethereum contract.
type Groth16OutputVerifierRaw struct {
	Contract *Groth16OutputVerifier // Generic contract binding to access the raw methods on
}

// Groth16OutputVerifierCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type Groth16OutputVerifierCallerRaw struct {
	Contract *Groth16OutputVerifierCaller // Generic read-only contract binding to access the raw methods on
}

// Groth16OutputVerifierTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type Groth16OutputVerifierTransactorRaw struct {
	Contract *Groth16OutputVerifierTransactor // Generic write-only contract binding to access the raw methods on
}

// NewGroth16OutputVerifier creates a new instance of Groth16OutputVerifier, bound to a specific deployed contract.
func NewGroth16OutputVerifier(address common.Address, backend bind.ContractBackend) (*Groth16OutputVerifier, error) {
	contract, err := bindGroth16OutputVerifier(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &Groth16OutputVerifier{Groth16OutputVerifierCaller: Groth16OutputVerifierCaller{contract: contract}, Groth16OutputVerifierTransactor: Groth16OutputVerifierTransactor{contract: contract}, Groth16OutputVerifierFilterer: Groth16OutputVerifierFilterer{contract: contract}}, nil
}

// NewGroth16OutputVerifierCaller creates a new read-only instance of Groth16OutputVerifier, bound to a specific deployed contract.
func NewGroth16OutputVerifierCaller(address common.Address, caller bind.ContractCaller) (*Groth16OutputVerifierCaller, error) {
	contract, err := bindGroth16OutputVerifier(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &Groth16OutputVerifierCaller{contract: contract}, nil
}

// NewGroth16OutputVerifierTransactor creates a new write-only instance of Groth16OutputVerifier, bound to a specific deployed contract.
func NewGroth16OutputVerifierTransactor(address common.Address, transactor bind.ContractTransactor) (*Groth16OutputVerifierTransactor, error) {
	contract, err := bindGroth16OutputVerifier(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &Groth16OutputVerifierTransactor{contract: contract}, nil
}

// NewGroth16OutputVerifierFilterer creates a new log filterer instance of Groth16OutputVerifier, bound to a specific deployed contract.
func NewGroth16OutputVerifierFilterer(address common.Address, filterer bind.ContractFilterer) (*Groth16OutputVerifierFilterer, error) {
	contract, err := bindGroth16OutputVerifier(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &Groth16OutputVerifierFilterer{contract: contract}, nil
}

// bindGroth16OutputVerifier binds a generic wrapper to an already deployed contract.
func bindGroth16OutputVerifier(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := Groth16OutputVerifierMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Groth16OutputVerifier *Groth16OutputVerifierRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Groth16OutputVerifier.Contract.Groth16OutputVerifierCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Groth16OutputVerifier *Groth16OutputVerifierRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Groth16OutputVerifier.Contract.Groth16OutputVerifierTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Groth16OutputVerifier *Groth16OutputVerifierRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Groth16OutputVerifier.Contract.Groth16OutputVerifierTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _Groth16OutputVerifier.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_Groth16OutputVerifier *Groth16OutputVerifierTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _Groth16OutputVerifier.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_Groth16OutputVerifier *Groth16OutputVerifierTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _Groth16OutputVerifier.Contract.contract.Transact(opts, method, params...)
}

// ClaimDigest is a free data retrieval call binding the contract method 0xa8d85372.
//
// Solidity: function claimDigest(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber) pure returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierCaller) ClaimDigest(opts *bind.CallOpts, imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int) (*big.Int, error) {
	var out []interface{}
	err := _Groth16OutputVerifier.contract.Call(opts, &out, "claimDigest", imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// ClaimDigest is a free data retrieval call binding the contract method 0xa8d85372.
//
// Solidity: function claimDigest(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber) pure returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierSession) ClaimDigest(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int) (*big.Int, error) {
	return _Groth16OutputVerifier.Contract.ClaimDigest(&_Groth16OutputVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber)
}

// ClaimDigest is a free data retrieval call binding the contract method 0xa8d85372.
//
// Solidity: function claimDigest(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber) pure returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerSession) ClaimDigest(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int) (*big.Int, error) {
	return _Groth16OutputVerifier.Contract.ClaimDigest(&_Groth16OutputVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber)
}

// Groth16Verifier is a free data retrieval call binding the contract method 0x19c813be.
//
// Solidity: function groth16Verifier() view returns(address)
func (_Groth16OutputVerifier *Groth16OutputVerifierCaller) Groth16Verifier(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _Groth16OutputVerifier.contract.Call(opts, &out, "groth16Verifier")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Groth16Verifier is a free data retrieval call binding the contract method 0x19c813be.
//
// Solidity: function groth16Verifier() view returns(address)
func (_Groth16OutputVerifier *Groth16OutputVerifierSession) Groth16Verifier() (common.Address, error) {
	return _Groth16OutputVerifier.Contract.Groth16Verifier(&_Groth16OutputVerifier.CallOpts)
}

// Groth16Verifier is a free data retrieval call binding the contract method 0x19c813be.
//
// Solidity: function groth16Verifier() view returns(address)
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerSession) Groth16Verifier() (common.Address, error) {
	return _Groth16OutputVerifier.Contract.Groth16Verifier(&_Groth16OutputVerifier.CallOpts)
}

// IsDev is a free data retrieval call binding the contract method 0xf079914f.
//
// Solidity: function isDev() view returns(bool)
func (_Groth16OutputVerifier *Groth16OutputVerifierCaller) IsDev(opts *bind.CallOpts) (bool, error) {
	var out []interface{}
	err := _Groth16OutputVerifier.contract.Call(opts, &out, "isDev")

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// IsDev is a free data retrieval call binding the contract method 0xf079914f.
//
// Solidity: function isDev() view returns(bool)
func (_Groth16OutputVerifier *Groth16OutputVerifierSession) IsDev() (bool, error) {
	return _Groth16OutputVerifier.Contract.IsDev(&_Groth16OutputVerifier.CallOpts)
}

// IsDev is a free data retrieval call binding the contract method 0xf079914f.
//
// Solidity: function isDev() view returns(bool)
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerSession) IsDev() (bool, error) {
	return _Groth16OutputVerifier.Contract.IsDev(&_Groth16OutputVerifier.CallOpts)
}

// KeySetRoot is a free data retrieval call binding the contract method 0x3e1d5bb1.
//
// Solidity: function keySetRoot() view returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierCaller) KeySetRoot(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Groth16OutputVerifier.contract.Call(opts, &out, "keySetRoot")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// KeySetRoot is a free data retrieval call binding the contract method 0x3e1d5bb1.
//
// Solidity: function keySetRoot() view returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierSession) KeySetRoot() (*big.Int, error) {
	return _Groth16OutputVerifier.Contract.KeySetRoot(&_Groth16OutputVerifier.CallOpts)
}

// KeySetRoot is a free data retrieval call binding the contract method 0x3e1d5bb1.
//
// Solidity: function keySetRoot() view returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerSession) KeySetRoot() (*big.Int, error) {
	return _Groth16OutputVerifier.Contract.KeySetRoot(&_Groth16OutputVerifier.CallOpts)
}

// ProofLength is a free data retrieval call binding the contract method 0xf5619fda.
//
// Solidity: function proofLength() view returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierCaller) ProofLength(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _Groth16OutputVerifier.contract.Call(opts, &out, "proofLength")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// ProofLength is a free data retrieval call binding the contract method 0xf5619fda.
//
// Solidity: function proofLength() view returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierSession) ProofLength() (*big.Int, error) {
	return _Groth16OutputVerifier.Contract.ProofLength(&_Groth16OutputVerifier.CallOpts)
}

// ProofLength is a free data retrieval call binding the contract method 0xf5619fda.
//
// Solidity: function proofLength() view returns(uint256)
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerSession) ProofLength() (*big.Int, error) {
	return _Groth16OutputVerifier.Contract.ProofLength(&_Groth16OutputVerifier.CallOpts)
}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) view returns()
func (_Groth16OutputVerifier *Groth16OutputVerifierCaller) Verify(opts *bind.CallOpts, imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	var out []interface{}
	err := _Groth16OutputVerifier.contract.Call(opts, &out, "verify", imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)

	if err != nil {
		return err
	}

	return err

}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) view returns()
func (_Groth16OutputVerifier *Groth16OutputVerifierSession) Verify(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	return _Groth16OutputVerifier.Contract.Verify(&_Groth16OutputVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)
}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) view returns()
func (_Groth16OutputVerifier *Groth16OutputVerifierCallerSession) Verify(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	return _Groth16OutputVerifier.Contract.Verify(&_Groth16OutputVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)
}

// IOutputVerifierMetaData contains all meta data concerning the IOutputVerifier contract.
var IOutputVerifierMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"imageId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"prevOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"newOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"proof\",\"type\":\"bytes\"}],\"name\":\"verify\",\"outputs\":[],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	Sigs: map[string]string{
		"verify(bytes32,bytes32,bytes32,bytes32,uint256,bytes)": "5c7aba1e",
	},
}

// IOutputVerifierABI is the input ABI used to generate the binding from.
// Deprecated: Use IOutputVerifierMetaData.ABI instead.
var IOutputVerifierABI = IOutputVerifierMetaData.ABI

// Deprecated: Use IOutputVerifierMetaData.Sigs instead.
// IOutputVerifierFuncSigs maps the 4-byte function signature to its string representation.
var IOutputVerifierFuncSigs = IOutputVerifierMetaData.Sigs

// IOutputVerifier is an auto generated Go binding around an Ethereum contract.
type IOutputVerifier struct {
	IOutputVerifierCaller     // Read-only binding to the contract
	IOutputVerifierTransactor // Write-only binding to the contract
	IOutputVerifierFilterer   // Log filterer for contract events
}

// IOutputVerifierCaller is an auto generated read-only Go binding around an Ethereum contract.
type IOutputVerifierCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// IOutputVerifierTransactor is an auto generated write-only Go binding around an Ethereum contract.
type IOutputVerifierTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// IOutputVerifierFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type IOutputVerifierFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// IOutputVerifierSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type IOutputVerifierSession struct {
	Contract     *IOutputVerifier  // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// IOutputVerifierCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type IOutputVerifierCallerSession struct {
	Contract *IOutputVerifierCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts          // Call options to use throughout this session
}

// IOutputVerifierTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type IOutputVerifierTransactorSession struct {
	Contract     *IOutputVerifierTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts          // Transaction auth options to use throughout this session
}

// IOutputVerifierRaw is an auto generated low-level Go binding around an Ethereum contract.
type IOutputVerifierRaw struct {
	Contract *IOutputVerifier // Generic contract binding to access the raw methods on
}

// IOutputVerifierCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type IOutputVerifierCallerRaw struct {
	Contract *IOutputVerifierCaller // Generic read-only contract binding to access the raw methods on
}

// IOutputVerifierTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type IOutputVerifierTransactorRaw struct {
	Contract *IOutputVerifierTransactor // Generic write-only contract binding to access the raw methods on
}

// NewIOutputVerifier creates a new instance of IOutputVerifier, bound to a specific deployed contract.
func NewIOutputVerifier(address common.Address, backend bind.ContractBackend) (*IOutputVerifier, error) {
	contract, err := bindIOutputVerifier(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &IOutputVerifier{IOutputVerifierCaller: IOutputVerifierCaller{contract: contract}, IOutputVerifierTransactor: IOutputVerifierTransactor{contract: contract}, IOutputVerifierFilterer: IOutputVerifierFilterer{contract: contract}}, nil
}

// NewIOutputVerifierCaller creates a new read-only instance of IOutputVerifier, bound to a specific deployed contract.
func NewIOutputVerifierCaller(address common.Address, caller bind.ContractCaller) (*IOutputVerifierCaller, error) {
	contract, err := bindIOutputVerifier(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &IOutputVerifierCaller{contract: contract}, nil
}

// NewIOutputVerifierTransactor creates a new write-only instance of IOutputVerifier, bound to a specific deployed contract.
func NewIOutputVerifierTransactor(address common.Address, transactor bind.ContractTransactor) (*IOutputVerifierTransactor, error) {
	contract, err := bindIOutputVerifier(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &IOutputVerifierTransactor{contract: contract}, nil
}

// NewIOutputVerifierFilterer creates a new log filterer instance of IOutputVerifier, bound to a specific deployed contract.
func NewIOutputVerifierFilterer(address common.Address, filterer bind.ContractFilterer) (*IOutputVerifierFilterer, error) {
	contract, err := bindIOutputVerifier(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &IOutputVerifierFilterer{contract: contract}, nil
}

// bindIOutputVerifier binds a generic wrapper to an already deployed contract.
func bindIOutputVerifier(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := IOutputVerifierMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_IOutputVerifier *IOutputVerifierRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _IOutputVerifier.Contract.IOutputVerifierCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_IOutputVerifier *IOutputVerifierRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _IOutputVerifier.Contract.IOutputVerifierTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_IOutputVerifier *IOutputVerifierRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _IOutputVerifier.Contract.IOutputVerifierTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_IOutputVerifier *IOutputVerifierCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _IOutputVerifier.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_IOutputVerifier *IOutputVerifierTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _IOutputVerifier.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_IOutputVerifier *IOutputVerifierTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _IOutputVerifier.Contract.contract.Transact(opts, method, params...)
}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) view returns()
func (_IOutputVerifier *IOutputVerifierCaller) Verify(opts *bind.CallOpts, imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	var out []interface{}
	err := _IOutputVerifier.contract.Call(opts, &out, "verify", imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)

	if err != nil {
		return err
	}

	return err

}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) view returns()
func (_IOutputVerifier *IOutputVerifierSession) Verify(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	return _IOutputVerifier.Contract.Verify(&_IOutputVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)
}

// Verify is a free data retrieval call binding the contract method 0x5c7aba1e.
//
// Solidity: function verify(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot, bytes32 newOutputRoot, uint256 l2BlockNumber, bytes proof) view returns()
func (_IOutputVerifier *IOutputVerifierCallerSession) Verify(imageId [32]byte, configHash [32]byte, prevOutputRoot [32]byte, newOutputRoot [32]byte, l2BlockNumber *big.Int, proof []byte) error {
	return _IOutputVerifier.Contract.Verify(&_IOutputVerifier.CallOpts, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber, proof)
}

// L2OutputOracleMetaData contains all meta data concerning the L2OutputOracle contract.
var L2OutputOracleMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"components\":[{\"internalType\":\"uint256\",\"name\":\"submissionInterval\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"l2BlockTime\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"startingBlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"startingTimestamp\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"startingOutputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"proposer\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"challenger\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"finalizationPeriodSeconds\",\"type\":\"uint256\"},{\"internalType\":\"contractIOutputVerifier\",\"name\":\"verifier\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"imageId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"bool\",\"name\":\"allowDevVerifier\",\"type\":\"bool\"}],\"internalType\":\"structL2OutputOracle.Params\",\"name\":\"p\",\"type\":\"tuple\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"startingBlockNumber\",\"type\":\"uint256\"}],\"name\":\"BlockBeforeStart\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"DevVerifierNotAllowed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"what\",\"type\":\"string\"}],\"name\":\"InvalidParams\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"l1BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"expected\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"actual\",\"type\":\"bytes32\"}],\"name\":\"L1BlockHashMismatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"l2Timestamp\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"l1Timestamp\",\"type\":\"uint256\"}],\"name\":\"L2TimestampInFuture\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"latestBlockNumber\",\"type\":\"uint256\"}],\"name\":\"NoOutputAfter\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoOutputs\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotChallenger\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotProposer\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"proposedAt\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"finalizedAt\",\"type\":\"uint256\"}],\"name\":\"OutputFinalized\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"}],\"name\":\"OutputIndexOutOfRange\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes\",\"name\":\"reason\",\"type\":\"bytes\"}],\"name\":\"ProofRejected\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"expected\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"got\",\"type\":\"uint256\"}],\"name\":\"UnexpectedBlockNumber\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroOutputRoot\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"outputRoot\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"l2OutputIndex\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"l2BlockNumber\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"l1Timestamp\",\"type\":\"uint256\"}],\"name\":\"OutputProposed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"prevNextOutputIndex\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"newNextOutputIndex\",\"type\":\"uint256\"}],\"name\":\"OutputsDeleted\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"challenger\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_l2BlockNumber\",\"type\":\"uint256\"}],\"name\":\"computeL2Timestamp\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"configHash\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_l2OutputIndex\",\"type\":\"uint256\"}],\"name\":\"deleteL2Outputs\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"finalizationPeriodSeconds\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_l2OutputIndex\",\"type\":\"uint256\"}],\"name\":\"getL2Output\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"outputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint128\",\"name\":\"timestamp\",\"type\":\"uint128\"},{\"internalType\":\"uint128\",\"name\":\"l2BlockNumber\",\"type\":\"uint128\"}],\"internalType\":\"structL2OutputOracle.OutputProposal\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_l2BlockNumber\",\"type\":\"uint256\"}],\"name\":\"getL2OutputAfter\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"outputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint128\",\"name\":\"timestamp\",\"type\":\"uint128\"},{\"internalType\":\"uint128\",\"name\":\"l2BlockNumber\",\"type\":\"uint128\"}],\"internalType\":\"structL2OutputOracle.OutputProposal\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_l2BlockNumber\",\"type\":\"uint256\"}],\"name\":\"getL2OutputIndexAfter\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"imageId\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"l2BlockTime\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"latestBlockNumber\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"latestOutputIndex\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"latestOutputRoot\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextBlockNumber\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextOutputIndex\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"_outputRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"_l2BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"_l1BlockHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"_l1BlockNumber\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"_proof\",\"type\":\"bytes\"}],\"name\":\"proposeL2Output\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"proposer\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"startingBlockNumber\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"startingOutputRoot\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"startingTimestamp\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"submissionInterval\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"verifier\",\"outputs\":[{\"internalType\":\"contractIOutputVerifier\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	Sigs: map[string]string{
		"verifier()":                     "2b7ac3f3",
		"latestBlockNumber()":            "4599c788",
		"challenger()":                   "534db0e2",
		"startingOutputRoot()":           "57da950e",
		"latestOutputIndex()":            "69f16eec",
		"nextOutputIndex()":              "6abcf563",
		"startingBlockNumber()":          "70872aa5",
		"getL2OutputIndexAfter(uint256)": "7f006420",
		"startingTimestamp()":            "88786272",
		"deleteL2Outputs(uint256)":       "89c44cbb",
		"l2BlockTime()":                  "93991af3",
		"getL2Output(uint256)":           "a25ae557",
		"proposer()":                     "a8e4fb90",
		"proposeL2Output(bytes32,uint256,bytes32,uint256,bytes)": "a9efd6b8",
		"latestOutputRoot()":          "ca267238",
		"finalizationPeriodSeconds()": "ce5db8d6",
		"getL2OutputAfter(uint256)":   "cf8e5cf0",
		"computeL2Timestamp(uint256)": "d1de856c",
		"nextBlockNumber()":           "dcec3348",
		"submissionInterval()":        "e1a41bcf",
		"configHash()":                "e1f1176d",
		"imageId()":                   "ef3f7dd5",
	},
	Bin: "0x6101e0604052348015610010575f5ffd5b5060405161136f38038061136f83398101604081905261002f9161031a565b80515f0361007a5760405163a8c278dd60e01b81526020600482015260126024820152711cdd589b5a5cdcda5bdb925b9d195c9d985b60721b60448201526064015b60405180910390fd5b80602001515f036100bc5760405163a8c278dd60e01b815260206004820152600b60248201526a6c32426c6f636b54696d6560a81b6044820152606401610071565b42816060015111156101055760405163a8c278dd60e01b815260206004820152601160248201527007374617274696e6754696d657374616d7607c1b6044820152606401610071565b8061010001516001600160a01b03163b5f0361014f5760405163a8c278dd60e01b81526020600482015260086024820152673b32b934b334b2b960c11b6044820152606401610071565b80610160015115801561016c575061010081015161016c906101ff565b1561018a5760405163358c945760e11b815260040160405180910390fd5b80516080908152602082015160a0908152604083015160c0908152606084015160e090815292840151610100908152918401516001600160a01b03908116610120908152918501518116610140908152938501516101605291840151909116610180528201516101a05201516101c0526103fd565b60408051600481526024810182526020810180516001600160e01b031663f079914f60e01b17905290515f91829182916001600160a01b0386169161024491906103d0565b5f60405180830381855afa9150503d805f811461027c576040519150601f19603f3d011682016040523d82523d5f602084013e610281565b606091505b509150915081801561029557506020815110155b80156102b35750808060200190518101906102b091906103e6565b15155b949350505050565b60405161018081016001600160401b03811182821017156102ea57634e487b7160e01b5f52604160045260245ffd5b60405290565b80516001600160a01b0381168114610306575f5ffd5b919050565b80518015158114610306575f5ffd5b5f61018082840312801561032c575f5ffd5b506103356102bb565b825181526020808401519082015260408084015190820152606080840151908201526080808401519082015261036d60a084016102f0565b60a082015261037e60c084016102f0565b60c082015260e0838101519082015261039a61010084016102f0565b610100820152610120838101519082015261014080840151908201526103c3610160840161030b565b6101608201529392505050565b5f82518060208501845e5f920191825250919050565b5f602082840312156103f6575f5ffd5b5051919050565b60805160a05160c05160e05161010051610120516101405161016051610180516101a0516101c051610e896104e65f395f818161039e015261099601525f81816103c5015261097401525f8181610146015261094701525f818161032201528181610662015261069701525f81816101a001526105c301525f81816102e001526107cd01525f81816101c70152818161090d0152610b5701525f81816102370152610c7701525f81816101fd0152818161043601528181610bb401528181610bf00152610c4201525f81816102730152610c1e01525f81816103770152610ca40152610e895ff3fe608060405234801561000f575f5ffd5b506004361061013d575f3560e01c8063a25ae557116100b4578063cf8e5cf011610079578063cf8e5cf014610344578063d1de856c14610357578063dcec33481461036a578063e1a41bcf14610372578063e1f1176d14610399578063ef3f7dd5146103c0575f5ffd5b8063a25ae55714610295578063a8e4fb90146102db578063a9efd6b814610302578063ca26723814610315578063ce5db8d61461031d575f5ffd5b80636abcf563116101055780636abcf563146101f157806370872aa5146101f85780637f0064201461021f578063887862721461023257806389c44cbb1461025957806393991af31461026e575f5ffd5b80632b7ac3f3146101415780634599c78814610185578063534db0e21461019b57806357da950e146101c257806369f16eec146101e9575b5f5ffd5b6101687f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020015b60405180910390f35b61018d6103e7565b60405190815260200161017c565b6101687f000000000000000000000000000000000000000000000000000000000000000081565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b61018d61045c565b5f5461018d565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b61018d61022d366004610cd5565b610491565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b61026c610267366004610cd5565b6105b8565b005b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b6102a86102a3366004610cd5565b61071a565b60408051825181526020808401516001600160801b0390811691830191909152928201519092169082015260600161017c565b6101687f000000000000000000000000000000000000000000000000000000000000000081565b61026c610310366004610cec565b6107c2565b61018d610b1c565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b6102a8610352366004610cd5565b610b7c565b61018d610365366004610cd5565b610bb1565b61018d610ca1565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b61018d7f000000000000000000000000000000000000000000000000000000000000000081565b5f80548015610434575f6103fc600183610d93565b8154811061040c5761040c610da6565b5f918252602090912060029091020160010154600160801b90046001600160801b0316610456565b7f00000000000000000000000000000000000000000000000000000000000000005b91505090565b5f8054810361047e57604051639db7282b60e01b815260040160405180910390fd5b5f5461048c90600190610d93565b905090565b5f80548082036104b457604051639db7282b60e01b815260040160405180910390fd5b5f806104c1600184610d93565b815481106104d1576104d1610da6565b5f918252602090912060029091020160010154600160801b90046001600160801b0316905080841115610526576040516305275dad60e21b815260048101859052602481018290526044015b60405180910390fd5b5f80610533600185610d93565b90505b808210156105af575f600261054b8385610dba565b6105559190610dcd565b9050865f828154811061056a5761056a610da6565b5f918252602090912060029091020160010154600160801b90046001600160801b031610156105a55761059e816001610dba565b92506105a9565b8091505b50610536565b50949350505050565b336001600160a01b037f00000000000000000000000000000000000000000000000000000000000000001614610603576040516330268a2560e21b815233600482015260240161051d565b5f5480821061062f5760405163ab553ef560e01b8152600481018390526024810182905260440161051d565b5f5f838154811061064257610642610da6565b5f9182526020909120600160029092020101546001600160801b031690507f000000000000000000000000000000000000000000000000000000000000000061068b8242610d93565b106106e65782816106bc7f000000000000000000000000000000000000000000000000000000000000000082610dba565b6040516303762c2b60e31b815260048101939093526024830191909152604482015260640161051d565b5f838155604051849184917f4ee37ac2c786ec85e87592d3c5c8a1dd66f8496dda3f125d9ea8ca5f657629b69190a3505050565b604080516060810182525f8082526020820181905291810182905290548210610763575f5460405163ab553ef560e01b815261051d918491600401918252602082015260400190565b5f828154811061077557610775610da6565b5f91825260209182902060408051606081018252600290930290910180548352600101546001600160801b0380821694840194909452600160801b90049092169181019190915292915050565b336001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161461080d5760405163219176d160e21b815233600482015260240161051d565b5f610816610ca1565b90508086146108425760405163043d96bb60e11b8152600481018290526024810187905260440161051d565b5f61084c87610bb1565b90504281106108775760405163ac83368360e01b81526004810182905242602482015260440161051d565b87610895576040516305924b7d60e31b815260040160405180910390fd5b85156108d05784408681146108ce5760405163034d453d60e31b815260048101879052602481018890526044810182905260640161051d565b505b5f80541561090b575f80546108e790600190610d93565b815481106108f7576108f7610da6565b905f5260205f2090600202015f015461092d565b7f00000000000000000000000000000000000000000000000000000000000000005b604051632e3d5d0f60e11b81529091506001600160a01b037f00000000000000000000000000000000000000000000000000000000000000001690635c7aba1e906109c8907f0000000000000000000000000000000000000000000000000000000000000000907f00000000000000000000000000000000000000000000000000000000000000009086908f908f908d908d90600401610dec565b5f6040518083038186803b1580156109de575f5ffd5b505afa9250505080156109ef575060015b610a3d573d808015610a1c576040519150601f19603f3d011682016040523d82523d5f602084013e610a21565b606091505b50806040516367488e3b60e11b815260040161051d9190610e3d565b5f546040514281528991908b907fa7aaf2512769da4e444e3de247be2564225c2e7a8f74cfe528e46e17d24868e29060200160405180910390a45050604080516060810182529788526001600160801b0342811660208a019081529781169189019182525f8054600181018255908052985160029099027f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563810199909955965190518716600160801b029616959095177f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e564909601959095555050505050565b5f80548015610b55575f610b31600183610d93565b81548110610b4157610b41610da6565b905f5260205f2090600202015f0154610456565b7f000000000000000000000000000000000000000000000000000000000000000091505090565b604080516060810182525f8082526020820181905291810182905290610ba183610491565b8154811061077557610775610da6565b5f7f0000000000000000000000000000000000000000000000000000000000000000821015610c1c5760405163635d900560e01b8152600481018390527f0000000000000000000000000000000000000000000000000000000000000000602482015260440161051d565b7f0000000000000000000000000000000000000000000000000000000000000000610c677f000000000000000000000000000000000000000000000000000000000000000084610d93565b610c719190610e72565b610c9b907f0000000000000000000000000000000000000000000000000000000000000000610dba565b92915050565b5f7f0000000000000000000000000000000000000000000000000000000000000000610ccb6103e7565b61048c9190610dba565b5f60208284031215610ce5575f5ffd5b5035919050565b5f5f5f5f5f5f60a08789031215610d01575f5ffd5b86359550602087013594506040870135935060608701359250608087013567ffffffffffffffff811115610d33575f5ffd5b8701601f81018913610d43575f5ffd5b803567ffffffffffffffff811115610d59575f5ffd5b896020828401011115610d6a575f5ffd5b60208201935080925050509295509295509295565b634e487b7160e01b5f52601160045260245ffd5b81810381811115610c9b57610c9b610d7f565b634e487b7160e01b5f52603260045260245ffd5b80820180821115610c9b57610c9b610d7f565b5f82610de757634e487b7160e01b5f52601260045260245ffd5b500490565b87815286602082015285604082015284606082015283608082015260c060a08201528160c0820152818360e08301375f81830160e090810191909152601f909201601f191601019695505050505050565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b8082028115828204841417610c9b57610c9b610d7f56",
}

// L2OutputOracleABI is the input ABI used to generate the binding from.
// Deprecated: Use L2OutputOracleMetaData.ABI instead.
var L2OutputOracleABI = L2OutputOracleMetaData.ABI

// Deprecated: Use L2OutputOracleMetaData.Sigs instead.
// L2OutputOracleFuncSigs maps the 4-byte function signature to its string representation.
var L2OutputOracleFuncSigs = L2OutputOracleMetaData.Sigs

// L2OutputOracleBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use L2OutputOracleMetaData.Bin instead.
var L2OutputOracleBin = L2OutputOracleMetaData.Bin

// DeployL2OutputOracle deploys a new Ethereum contract, binding an instance of L2OutputOracle to it.
func DeployL2OutputOracle(auth *bind.TransactOpts, backend bind.ContractBackend, p L2OutputOracleParams) (common.Address, *types.Transaction, *L2OutputOracle, error) {
	parsed, err := L2OutputOracleMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(L2OutputOracleBin), backend, p)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &L2OutputOracle{L2OutputOracleCaller: L2OutputOracleCaller{contract: contract}, L2OutputOracleTransactor: L2OutputOracleTransactor{contract: contract}, L2OutputOracleFilterer: L2OutputOracleFilterer{contract: contract}}, nil
}

// L2OutputOracle is an auto generated Go binding around an Ethereum contract.
type L2OutputOracle struct {
	L2OutputOracleCaller     // Read-only binding to the contract
	L2OutputOracleTransactor // Write-only binding to the contract
	L2OutputOracleFilterer   // Log filterer for contract events
}

// L2OutputOracleCaller is an auto generated read-only Go binding around an Ethereum contract.
type L2OutputOracleCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// L2OutputOracleTransactor is an auto generated write-only Go binding around an Ethereum contract.
type L2OutputOracleTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// L2OutputOracleFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type L2OutputOracleFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// L2OutputOracleSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type L2OutputOracleSession struct {
	Contract     *L2OutputOracle   // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// L2OutputOracleCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type L2OutputOracleCallerSession struct {
	Contract *L2OutputOracleCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts         // Call options to use throughout this session
}

// L2OutputOracleTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type L2OutputOracleTransactorSession struct {
	Contract     *L2OutputOracleTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts         // Transaction auth options to use throughout this session
}

// L2OutputOracleRaw is an auto generated low-level Go binding around an Ethereum contract.
type L2OutputOracleRaw struct {
	Contract *L2OutputOracle // Generic contract binding to access the raw methods on
}

// L2OutputOracleCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type L2OutputOracleCallerRaw struct {
	Contract *L2OutputOracleCaller // Generic read-only contract binding to access the raw methods on
}

// L2OutputOracleTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type L2OutputOracleTransactorRaw struct {
	Contract *L2OutputOracleTransactor // Generic write-only contract binding to access the raw methods on
}

// NewL2OutputOracle creates a new instance of L2OutputOracle, bound to a specific deployed contract.
func NewL2OutputOracle(address common.Address, backend bind.ContractBackend) (*L2OutputOracle, error) {
	contract, err := bindL2OutputOracle(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &L2OutputOracle{L2OutputOracleCaller: L2OutputOracleCaller{contract: contract}, L2OutputOracleTransactor: L2OutputOracleTransactor{contract: contract}, L2OutputOracleFilterer: L2OutputOracleFilterer{contract: contract}}, nil
}

// NewL2OutputOracleCaller creates a new read-only instance of L2OutputOracle, bound to a specific deployed contract.
func NewL2OutputOracleCaller(address common.Address, caller bind.ContractCaller) (*L2OutputOracleCaller, error) {
	contract, err := bindL2OutputOracle(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &L2OutputOracleCaller{contract: contract}, nil
}

// NewL2OutputOracleTransactor creates a new write-only instance of L2OutputOracle, bound to a specific deployed contract.
func NewL2OutputOracleTransactor(address common.Address, transactor bind.ContractTransactor) (*L2OutputOracleTransactor, error) {
	contract, err := bindL2OutputOracle(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &L2OutputOracleTransactor{contract: contract}, nil
}

// NewL2OutputOracleFilterer creates a new log filterer instance of L2OutputOracle, bound to a specific deployed contract.
func NewL2OutputOracleFilterer(address common.Address, filterer bind.ContractFilterer) (*L2OutputOracleFilterer, error) {
	contract, err := bindL2OutputOracle(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &L2OutputOracleFilterer{contract: contract}, nil
}

// bindL2OutputOracle binds a generic wrapper to an already deployed contract.
func bindL2OutputOracle(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := L2OutputOracleMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_L2OutputOracle *L2OutputOracleRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _L2OutputOracle.Contract.L2OutputOracleCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_L2OutputOracle *L2OutputOracleRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.L2OutputOracleTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_L2OutputOracle *L2OutputOracleRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.L2OutputOracleTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_L2OutputOracle *L2OutputOracleCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _L2OutputOracle.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_L2OutputOracle *L2OutputOracleTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_L2OutputOracle *L2OutputOracleTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.contract.Transact(opts, method, params...)
}

// Challenger is a free data retrieval call binding the contract method 0x534db0e2.
//
// Solidity: function challenger() view returns(address)
func (_L2OutputOracle *L2OutputOracleCaller) Challenger(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "challenger")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Challenger is a free data retrieval call binding the contract method 0x534db0e2.
//
// Solidity: function challenger() view returns(address)
func (_L2OutputOracle *L2OutputOracleSession) Challenger() (common.Address, error) {
	return _L2OutputOracle.Contract.Challenger(&_L2OutputOracle.CallOpts)
}

// Challenger is a free data retrieval call binding the contract method 0x534db0e2.
//
// Solidity: function challenger() view returns(address)
func (_L2OutputOracle *L2OutputOracleCallerSession) Challenger() (common.Address, error) {
	return _L2OutputOracle.Contract.Challenger(&_L2OutputOracle.CallOpts)
}

// ComputeL2Timestamp is a free data retrieval call binding the contract method 0xd1de856c.
//
// Solidity: function computeL2Timestamp(uint256 _l2BlockNumber) view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) ComputeL2Timestamp(opts *bind.CallOpts, _l2BlockNumber *big.Int) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "computeL2Timestamp", _l2BlockNumber)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// ComputeL2Timestamp is a free data retrieval call binding the contract method 0xd1de856c.
//
// Solidity: function computeL2Timestamp(uint256 _l2BlockNumber) view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) ComputeL2Timestamp(_l2BlockNumber *big.Int) (*big.Int, error) {
	return _L2OutputOracle.Contract.ComputeL2Timestamp(&_L2OutputOracle.CallOpts, _l2BlockNumber)
}

// ComputeL2Timestamp is a free data retrieval call binding the contract method 0xd1de856c.
//
// Solidity: function computeL2Timestamp(uint256 _l2BlockNumber) view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) ComputeL2Timestamp(_l2BlockNumber *big.Int) (*big.Int, error) {
	return _L2OutputOracle.Contract.ComputeL2Timestamp(&_L2OutputOracle.CallOpts, _l2BlockNumber)
}

// ConfigHash is a free data retrieval call binding the contract method 0xe1f1176d.
//
// Solidity: function configHash() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCaller) ConfigHash(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "configHash")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// ConfigHash is a free data retrieval call binding the contract method 0xe1f1176d.
//
// Solidity: function configHash() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleSession) ConfigHash() ([32]byte, error) {
	return _L2OutputOracle.Contract.ConfigHash(&_L2OutputOracle.CallOpts)
}

// ConfigHash is a free data retrieval call binding the contract method 0xe1f1176d.
//
// Solidity: function configHash() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCallerSession) ConfigHash() ([32]byte, error) {
	return _L2OutputOracle.Contract.ConfigHash(&_L2OutputOracle.CallOpts)
}

// FinalizationPeriodSeconds is a free data retrieval call binding the contract method 0xce5db8d6.
//
// Solidity: function finalizationPeriodSeconds() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) FinalizationPeriodSeconds(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "finalizationPeriodSeconds")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// FinalizationPeriodSeconds is a free data retrieval call binding the contract method 0xce5db8d6.
//
// Solidity: function finalizationPeriodSeconds() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) FinalizationPeriodSeconds() (*big.Int, error) {
	return _L2OutputOracle.Contract.FinalizationPeriodSeconds(&_L2OutputOracle.CallOpts)
}

// FinalizationPeriodSeconds is a free data retrieval call binding the contract method 0xce5db8d6.
//
// Solidity: function finalizationPeriodSeconds() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) FinalizationPeriodSeconds() (*big.Int, error) {
	return _L2OutputOracle.Contract.FinalizationPeriodSeconds(&_L2OutputOracle.CallOpts)
}

// GetL2Output is a free data retrieval call binding the contract method 0xa25ae557.
//
// Solidity: function getL2Output(uint256 _l2OutputIndex) view returns((bytes32,uint128,uint128))
func (_L2OutputOracle *L2OutputOracleCaller) GetL2Output(opts *bind.CallOpts, _l2OutputIndex *big.Int) (L2OutputOracleOutputProposal, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "getL2Output", _l2OutputIndex)

	if err != nil {
		return *new(L2OutputOracleOutputProposal), err
	}

	out0 := *abi.ConvertType(out[0], new(L2OutputOracleOutputProposal)).(*L2OutputOracleOutputProposal)

	return out0, err

}

// GetL2Output is a free data retrieval call binding the contract method 0xa25ae557.
//
// Solidity: function getL2Output(uint256 _l2OutputIndex) view returns((bytes32,uint128,uint128))
func (_L2OutputOracle *L2OutputOracleSession) GetL2Output(_l2OutputIndex *big.Int) (L2OutputOracleOutputProposal, error) {
	return _L2OutputOracle.Contract.GetL2Output(&_L2OutputOracle.CallOpts, _l2OutputIndex)
}

// GetL2Output is a free data retrieval call binding the contract method 0xa25ae557.
//
// Solidity: function getL2Output(uint256 _l2OutputIndex) view returns((bytes32,uint128,uint128))
func (_L2OutputOracle *L2OutputOracleCallerSession) GetL2Output(_l2OutputIndex *big.Int) (L2OutputOracleOutputProposal, error) {
	return _L2OutputOracle.Contract.GetL2Output(&_L2OutputOracle.CallOpts, _l2OutputIndex)
}

// GetL2OutputAfter is a free data retrieval call binding the contract method 0xcf8e5cf0.
//
// Solidity: function getL2OutputAfter(uint256 _l2BlockNumber) view returns((bytes32,uint128,uint128))
func (_L2OutputOracle *L2OutputOracleCaller) GetL2OutputAfter(opts *bind.CallOpts, _l2BlockNumber *big.Int) (L2OutputOracleOutputProposal, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "getL2OutputAfter", _l2BlockNumber)

	if err != nil {
		return *new(L2OutputOracleOutputProposal), err
	}

	out0 := *abi.ConvertType(out[0], new(L2OutputOracleOutputProposal)).(*L2OutputOracleOutputProposal)

	return out0, err

}

// GetL2OutputAfter is a free data retrieval call binding the contract method 0xcf8e5cf0.
//
// Solidity: function getL2OutputAfter(uint256 _l2BlockNumber) view returns((bytes32,uint128,uint128))
func (_L2OutputOracle *L2OutputOracleSession) GetL2OutputAfter(_l2BlockNumber *big.Int) (L2OutputOracleOutputProposal, error) {
	return _L2OutputOracle.Contract.GetL2OutputAfter(&_L2OutputOracle.CallOpts, _l2BlockNumber)
}

// GetL2OutputAfter is a free data retrieval call binding the contract method 0xcf8e5cf0.
//
// Solidity: function getL2OutputAfter(uint256 _l2BlockNumber) view returns((bytes32,uint128,uint128))
func (_L2OutputOracle *L2OutputOracleCallerSession) GetL2OutputAfter(_l2BlockNumber *big.Int) (L2OutputOracleOutputProposal, error) {
	return _L2OutputOracle.Contract.GetL2OutputAfter(&_L2OutputOracle.CallOpts, _l2BlockNumber)
}

// GetL2OutputIndexAfter is a free data retrieval call binding the contract method 0x7f006420.
//
// Solidity: function getL2OutputIndexAfter(uint256 _l2BlockNumber) view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) GetL2OutputIndexAfter(opts *bind.CallOpts, _l2BlockNumber *big.Int) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "getL2OutputIndexAfter", _l2BlockNumber)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// GetL2OutputIndexAfter is a free data retrieval call binding the contract method 0x7f006420.
//
// Solidity: function getL2OutputIndexAfter(uint256 _l2BlockNumber) view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) GetL2OutputIndexAfter(_l2BlockNumber *big.Int) (*big.Int, error) {
	return _L2OutputOracle.Contract.GetL2OutputIndexAfter(&_L2OutputOracle.CallOpts, _l2BlockNumber)
}

// GetL2OutputIndexAfter is a free data retrieval call binding the contract method 0x7f006420.
//
// Solidity: function getL2OutputIndexAfter(uint256 _l2BlockNumber) view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) GetL2OutputIndexAfter(_l2BlockNumber *big.Int) (*big.Int, error) {
	return _L2OutputOracle.Contract.GetL2OutputIndexAfter(&_L2OutputOracle.CallOpts, _l2BlockNumber)
}

// ImageId is a free data retrieval call binding the contract method 0xef3f7dd5.
//
// Solidity: function imageId() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCaller) ImageId(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "imageId")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// ImageId is a free data retrieval call binding the contract method 0xef3f7dd5.
//
// Solidity: function imageId() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleSession) ImageId() ([32]byte, error) {
	return _L2OutputOracle.Contract.ImageId(&_L2OutputOracle.CallOpts)
}

// ImageId is a free data retrieval call binding the contract method 0xef3f7dd5.
//
// Solidity: function imageId() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCallerSession) ImageId() ([32]byte, error) {
	return _L2OutputOracle.Contract.ImageId(&_L2OutputOracle.CallOpts)
}

// L2BlockTime is a free data retrieval call binding the contract method 0x93991af3.
//
// Solidity: function l2BlockTime() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) L2BlockTime(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "l2BlockTime")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// L2BlockTime is a free data retrieval call binding the contract method 0x93991af3.
//
// Solidity: function l2BlockTime() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) L2BlockTime() (*big.Int, error) {
	return _L2OutputOracle.Contract.L2BlockTime(&_L2OutputOracle.CallOpts)
}

// L2BlockTime is a free data retrieval call binding the contract method 0x93991af3.
//
// Solidity: function l2BlockTime() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) L2BlockTime() (*big.Int, error) {
	return _L2OutputOracle.Contract.L2BlockTime(&_L2OutputOracle.CallOpts)
}

// LatestBlockNumber is a free data retrieval call binding the contract method 0x4599c788.
//
// Solidity: function latestBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) LatestBlockNumber(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "latestBlockNumber")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// LatestBlockNumber is a free data retrieval call binding the contract method 0x4599c788.
//
// Solidity: function latestBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) LatestBlockNumber() (*big.Int, error) {
	return _L2OutputOracle.Contract.LatestBlockNumber(&_L2OutputOracle.CallOpts)
}

// LatestBlockNumber is a free data retrieval call binding the contract method 0x4599c788.
//
// Solidity: function latestBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) LatestBlockNumber() (*big.Int, error) {
	return _L2OutputOracle.Contract.LatestBlockNumber(&_L2OutputOracle.CallOpts)
}

// LatestOutputIndex is a free data retrieval call binding the contract method 0x69f16eec.
//
// Solidity: function latestOutputIndex() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) LatestOutputIndex(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "latestOutputIndex")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// LatestOutputIndex is a free data retrieval call binding the contract method 0x69f16eec.
//
// Solidity: function latestOutputIndex() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) LatestOutputIndex() (*big.Int, error) {
	return _L2OutputOracle.Contract.LatestOutputIndex(&_L2OutputOracle.CallOpts)
}

// LatestOutputIndex is a free data retrieval call binding the contract method 0x69f16eec.
//
// Solidity: function latestOutputIndex() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) LatestOutputIndex() (*big.Int, error) {
	return _L2OutputOracle.Contract.LatestOutputIndex(&_L2OutputOracle.CallOpts)
}

// LatestOutputRoot is a free data retrieval call binding the contract method 0xca267238.
//
// Solidity: function latestOutputRoot() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCaller) LatestOutputRoot(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "latestOutputRoot")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// LatestOutputRoot is a free data retrieval call binding the contract method 0xca267238.
//
// Solidity: function latestOutputRoot() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleSession) LatestOutputRoot() ([32]byte, error) {
	return _L2OutputOracle.Contract.LatestOutputRoot(&_L2OutputOracle.CallOpts)
}

// LatestOutputRoot is a free data retrieval call binding the contract method 0xca267238.
//
// Solidity: function latestOutputRoot() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCallerSession) LatestOutputRoot() ([32]byte, error) {
	return _L2OutputOracle.Contract.LatestOutputRoot(&_L2OutputOracle.CallOpts)
}

// NextBlockNumber is a free data retrieval call binding the contract method 0xdcec3348.
//
// Solidity: function nextBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) NextBlockNumber(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "nextBlockNumber")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// NextBlockNumber is a free data retrieval call binding the contract method 0xdcec3348.
//
// Solidity: function nextBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) NextBlockNumber() (*big.Int, error) {
	return _L2OutputOracle.Contract.NextBlockNumber(&_L2OutputOracle.CallOpts)
}

// NextBlockNumber is a free data retrieval call binding the contract method 0xdcec3348.
//
// Solidity: function nextBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) NextBlockNumber() (*big.Int, error) {
	return _L2OutputOracle.Contract.NextBlockNumber(&_L2OutputOracle.CallOpts)
}

// NextOutputIndex is a free data retrieval call binding the contract method 0x6abcf563.
//
// Solidity: function nextOutputIndex() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) NextOutputIndex(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "nextOutputIndex")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// NextOutputIndex is a free data retrieval call binding the contract method 0x6abcf563.
//
// Solidity: function nextOutputIndex() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) NextOutputIndex() (*big.Int, error) {
	return _L2OutputOracle.Contract.NextOutputIndex(&_L2OutputOracle.CallOpts)
}

// NextOutputIndex is a free data retrieval call binding the contract method 0x6abcf563.
//
// Solidity: function nextOutputIndex() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) NextOutputIndex() (*big.Int, error) {
	return _L2OutputOracle.Contract.NextOutputIndex(&_L2OutputOracle.CallOpts)
}

// Proposer is a free data retrieval call binding the contract method 0xa8e4fb90.
//
// Solidity: function proposer() view returns(address)
func (_L2OutputOracle *L2OutputOracleCaller) Proposer(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "proposer")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Proposer is a free data retrieval call binding the contract method 0xa8e4fb90.
//
// Solidity: function proposer() view returns(address)
func (_L2OutputOracle *L2OutputOracleSession) Proposer() (common.Address, error) {
	return _L2OutputOracle.Contract.Proposer(&_L2OutputOracle.CallOpts)
}

// Proposer is a free data retrieval call binding the contract method 0xa8e4fb90.
//
// Solidity: function proposer() view returns(address)
func (_L2OutputOracle *L2OutputOracleCallerSession) Proposer() (common.Address, error) {
	return _L2OutputOracle.Contract.Proposer(&_L2OutputOracle.CallOpts)
}

// StartingBlockNumber is a free data retrieval call binding the contract method 0x70872aa5.
//
// Solidity: function startingBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) StartingBlockNumber(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "startingBlockNumber")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// StartingBlockNumber is a free data retrieval call binding the contract method 0x70872aa5.
//
// Solidity: function startingBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) StartingBlockNumber() (*big.Int, error) {
	return _L2OutputOracle.Contract.StartingBlockNumber(&_L2OutputOracle.CallOpts)
}

// StartingBlockNumber is a free data retrieval call binding the contract method 0x70872aa5.
//
// Solidity: function startingBlockNumber() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) StartingBlockNumber() (*big.Int, error) {
	return _L2OutputOracle.Contract.StartingBlockNumber(&_L2OutputOracle.CallOpts)
}

// StartingOutputRoot is a free data retrieval call binding the contract method 0x57da950e.
//
// Solidity: function startingOutputRoot() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCaller) StartingOutputRoot(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "startingOutputRoot")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// StartingOutputRoot is a free data retrieval call binding the contract method 0x57da950e.
//
// Solidity: function startingOutputRoot() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleSession) StartingOutputRoot() ([32]byte, error) {
	return _L2OutputOracle.Contract.StartingOutputRoot(&_L2OutputOracle.CallOpts)
}

// StartingOutputRoot is a free data retrieval call binding the contract method 0x57da950e.
//
// Solidity: function startingOutputRoot() view returns(bytes32)
func (_L2OutputOracle *L2OutputOracleCallerSession) StartingOutputRoot() ([32]byte, error) {
	return _L2OutputOracle.Contract.StartingOutputRoot(&_L2OutputOracle.CallOpts)
}

// StartingTimestamp is a free data retrieval call binding the contract method 0x88786272.
//
// Solidity: function startingTimestamp() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) StartingTimestamp(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "startingTimestamp")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// StartingTimestamp is a free data retrieval call binding the contract method 0x88786272.
//
// Solidity: function startingTimestamp() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) StartingTimestamp() (*big.Int, error) {
	return _L2OutputOracle.Contract.StartingTimestamp(&_L2OutputOracle.CallOpts)
}

// StartingTimestamp is a free data retrieval call binding the contract method 0x88786272.
//
// Solidity: function startingTimestamp() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) StartingTimestamp() (*big.Int, error) {
	return _L2OutputOracle.Contract.StartingTimestamp(&_L2OutputOracle.CallOpts)
}

// SubmissionInterval is a free data retrieval call binding the contract method 0xe1a41bcf.
//
// Solidity: function submissionInterval() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCaller) SubmissionInterval(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "submissionInterval")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// SubmissionInterval is a free data retrieval call binding the contract method 0xe1a41bcf.
//
// Solidity: function submissionInterval() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleSession) SubmissionInterval() (*big.Int, error) {
	return _L2OutputOracle.Contract.SubmissionInterval(&_L2OutputOracle.CallOpts)
}

// SubmissionInterval is a free data retrieval call binding the contract method 0xe1a41bcf.
//
// Solidity: function submissionInterval() view returns(uint256)
func (_L2OutputOracle *L2OutputOracleCallerSession) SubmissionInterval() (*big.Int, error) {
	return _L2OutputOracle.Contract.SubmissionInterval(&_L2OutputOracle.CallOpts)
}

// Verifier is a free data retrieval call binding the contract method 0x2b7ac3f3.
//
// Solidity: function verifier() view returns(address)
func (_L2OutputOracle *L2OutputOracleCaller) Verifier(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _L2OutputOracle.contract.Call(opts, &out, "verifier")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Verifier is a free data retrieval call binding the contract method 0x2b7ac3f3.
//
// Solidity: function verifier() view returns(address)
func (_L2OutputOracle *L2OutputOracleSession) Verifier() (common.Address, error) {
	return _L2OutputOracle.Contract.Verifier(&_L2OutputOracle.CallOpts)
}

// Verifier is a free data retrieval call binding the contract method 0x2b7ac3f3.
//
// Solidity: function verifier() view returns(address)
func (_L2OutputOracle *L2OutputOracleCallerSession) Verifier() (common.Address, error) {
	return _L2OutputOracle.Contract.Verifier(&_L2OutputOracle.CallOpts)
}

// DeleteL2Outputs is a paid mutator transaction binding the contract method 0x89c44cbb.
//
// Solidity: function deleteL2Outputs(uint256 _l2OutputIndex) returns()
func (_L2OutputOracle *L2OutputOracleTransactor) DeleteL2Outputs(opts *bind.TransactOpts, _l2OutputIndex *big.Int) (*types.Transaction, error) {
	return _L2OutputOracle.contract.Transact(opts, "deleteL2Outputs", _l2OutputIndex)
}

// DeleteL2Outputs is a paid mutator transaction binding the contract method 0x89c44cbb.
//
// Solidity: function deleteL2Outputs(uint256 _l2OutputIndex) returns()
func (_L2OutputOracle *L2OutputOracleSession) DeleteL2Outputs(_l2OutputIndex *big.Int) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.DeleteL2Outputs(&_L2OutputOracle.TransactOpts, _l2OutputIndex)
}

// DeleteL2Outputs is a paid mutator transaction binding the contract method 0x89c44cbb.
//
// Solidity: function deleteL2Outputs(uint256 _l2OutputIndex) returns()
func (_L2OutputOracle *L2OutputOracleTransactorSession) DeleteL2Outputs(_l2OutputIndex *big.Int) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.DeleteL2Outputs(&_L2OutputOracle.TransactOpts, _l2OutputIndex)
}

// ProposeL2Output is a paid mutator transaction binding the contract method 0xa9efd6b8.
//
// Solidity: function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber, bytes _proof) returns()
func (_L2OutputOracle *L2OutputOracleTransactor) ProposeL2Output(opts *bind.TransactOpts, _outputRoot [32]byte, _l2BlockNumber *big.Int, _l1BlockHash [32]byte, _l1BlockNumber *big.Int, _proof []byte) (*types.Transaction, error) {
	return _L2OutputOracle.contract.Transact(opts, "proposeL2Output", _outputRoot, _l2BlockNumber, _l1BlockHash, _l1BlockNumber, _proof)
}

// ProposeL2Output is a paid mutator transaction binding the contract method 0xa9efd6b8.
//
// Solidity: function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber, bytes _proof) returns()
func (_L2OutputOracle *L2OutputOracleSession) ProposeL2Output(_outputRoot [32]byte, _l2BlockNumber *big.Int, _l1BlockHash [32]byte, _l1BlockNumber *big.Int, _proof []byte) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.ProposeL2Output(&_L2OutputOracle.TransactOpts, _outputRoot, _l2BlockNumber, _l1BlockHash, _l1BlockNumber, _proof)
}

// ProposeL2Output is a paid mutator transaction binding the contract method 0xa9efd6b8.
//
// Solidity: function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber, bytes _proof) returns()
func (_L2OutputOracle *L2OutputOracleTransactorSession) ProposeL2Output(_outputRoot [32]byte, _l2BlockNumber *big.Int, _l1BlockHash [32]byte, _l1BlockNumber *big.Int, _proof []byte) (*types.Transaction, error) {
	return _L2OutputOracle.Contract.ProposeL2Output(&_L2OutputOracle.TransactOpts, _outputRoot, _l2BlockNumber, _l1BlockHash, _l1BlockNumber, _proof)
}

// L2OutputOracleOutputProposedIterator is returned from FilterOutputProposed and is used to iterate over the raw logs and unpacked data for OutputProposed events raised by the L2OutputOracle contract.
type L2OutputOracleOutputProposedIterator struct {
	Event *L2OutputOracleOutputProposed // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *L2OutputOracleOutputProposedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(L2OutputOracleOutputProposed)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(L2OutputOracleOutputProposed)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *L2OutputOracleOutputProposedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *L2OutputOracleOutputProposedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// L2OutputOracleOutputProposed represents a OutputProposed event raised by the L2OutputOracle contract.
type L2OutputOracleOutputProposed struct {
	OutputRoot    [32]byte
	L2OutputIndex *big.Int
	L2BlockNumber *big.Int
	L1Timestamp   *big.Int
	Raw           types.Log // Blockchain specific contextual infos
}

// FilterOutputProposed is a free log retrieval operation binding the contract event 0xa7aaf2512769da4e444e3de247be2564225c2e7a8f74cfe528e46e17d24868e2.
//
// Solidity: event OutputProposed(bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp)
func (_L2OutputOracle *L2OutputOracleFilterer) FilterOutputProposed(opts *bind.FilterOpts, outputRoot [][32]byte, l2OutputIndex []*big.Int, l2BlockNumber []*big.Int) (*L2OutputOracleOutputProposedIterator, error) {

	var outputRootRule []interface{}
	for _, outputRootItem := range outputRoot {
		outputRootRule = append(outputRootRule, outputRootItem)
	}
	var l2OutputIndexRule []interface{}
	for _, l2OutputIndexItem := range l2OutputIndex {
		l2OutputIndexRule = append(l2OutputIndexRule, l2OutputIndexItem)
	}
	var l2BlockNumberRule []interface{}
	for _, l2BlockNumberItem := range l2BlockNumber {
		l2BlockNumberRule = append(l2BlockNumberRule, l2BlockNumberItem)
	}

	logs, sub, err := _L2OutputOracle.contract.FilterLogs(opts, "OutputProposed", outputRootRule, l2OutputIndexRule, l2BlockNumberRule)
	if err != nil {
		return nil, err
	}
	return &L2OutputOracleOutputProposedIterator{contract: _L2OutputOracle.contract, event: "OutputProposed", logs: logs, sub: sub}, nil
}

// WatchOutputProposed is a free log subscription operation binding the contract event 0xa7aaf2512769da4e444e3de247be2564225c2e7a8f74cfe528e46e17d24868e2.
//
// Solidity: event OutputProposed(bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp)
func (_L2OutputOracle *L2OutputOracleFilterer) WatchOutputProposed(opts *bind.WatchOpts, sink chan<- *L2OutputOracleOutputProposed, outputRoot [][32]byte, l2OutputIndex []*big.Int, l2BlockNumber []*big.Int) (event.Subscription, error) {

	var outputRootRule []interface{}
	for _, outputRootItem := range outputRoot {
		outputRootRule = append(outputRootRule, outputRootItem)
	}
	var l2OutputIndexRule []interface{}
	for _, l2OutputIndexItem := range l2OutputIndex {
		l2OutputIndexRule = append(l2OutputIndexRule, l2OutputIndexItem)
	}
	var l2BlockNumberRule []interface{}
	for _, l2BlockNumberItem := range l2BlockNumber {
		l2BlockNumberRule = append(l2BlockNumberRule, l2BlockNumberItem)
	}

	logs, sub, err := _L2OutputOracle.contract.WatchLogs(opts, "OutputProposed", outputRootRule, l2OutputIndexRule, l2BlockNumberRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(L2OutputOracleOutputProposed)
				if err := _L2OutputOracle.contract.UnpackLog(event, "OutputProposed", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseOutputProposed is a log parse operation binding the contract event 0xa7aaf2512769da4e444e3de247be2564225c2e7a8f74cfe528e46e17d24868e2.
//
// Solidity: event OutputProposed(bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp)
func (_L2OutputOracle *L2OutputOracleFilterer) ParseOutputProposed(log types.Log) (*L2OutputOracleOutputProposed, error) {
	event := new(L2OutputOracleOutputProposed)
	if err := _L2OutputOracle.contract.UnpackLog(event, "OutputProposed", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// L2OutputOracleOutputsDeletedIterator is returned from FilterOutputsDeleted and is used to iterate over the raw logs and unpacked data for OutputsDeleted events raised by the L2OutputOracle contract.
type L2OutputOracleOutputsDeletedIterator struct {
	Event *L2OutputOracleOutputsDeleted // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *L2OutputOracleOutputsDeletedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(L2OutputOracleOutputsDeleted)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(L2OutputOracleOutputsDeleted)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *L2OutputOracleOutputsDeletedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *L2OutputOracleOutputsDeletedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// L2OutputOracleOutputsDeleted represents a OutputsDeleted event raised by the L2OutputOracle contract.
type L2OutputOracleOutputsDeleted struct {
	PrevNextOutputIndex *big.Int
	NewNextOutputIndex  *big.Int
	Raw                 types.Log // Blockchain specific contextual infos
}

// FilterOutputsDeleted is a free log retrieval operation binding the contract event 0x4ee37ac2c786ec85e87592d3c5c8a1dd66f8496dda3f125d9ea8ca5f657629b6.
//
// Solidity: event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex)
func (_L2OutputOracle *L2OutputOracleFilterer) FilterOutputsDeleted(opts *bind.FilterOpts, prevNextOutputIndex []*big.Int, newNextOutputIndex []*big.Int) (*L2OutputOracleOutputsDeletedIterator, error) {

	var prevNextOutputIndexRule []interface{}
	for _, prevNextOutputIndexItem := range prevNextOutputIndex {
		prevNextOutputIndexRule = append(prevNextOutputIndexRule, prevNextOutputIndexItem)
	}
	var newNextOutputIndexRule []interface{}
	for _, newNextOutputIndexItem := range newNextOutputIndex {
		newNextOutputIndexRule = append(newNextOutputIndexRule, newNextOutputIndexItem)
	}

	logs, sub, err := _L2OutputOracle.contract.FilterLogs(opts, "OutputsDeleted", prevNextOutputIndexRule, newNextOutputIndexRule)
	if err != nil {
		return nil, err
	}
	return &L2OutputOracleOutputsDeletedIterator{contract: _L2OutputOracle.contract, event: "OutputsDeleted", logs: logs, sub: sub}, nil
}

// WatchOutputsDeleted is a free log subscription operation binding the contract event 0x4ee37ac2c786ec85e87592d3c5c8a1dd66f8496dda3f125d9ea8ca5f657629b6.
//
// Solidity: event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex)
func (_L2OutputOracle *L2OutputOracleFilterer) WatchOutputsDeleted(opts *bind.WatchOpts, sink chan<- *L2OutputOracleOutputsDeleted, prevNextOutputIndex []*big.Int, newNextOutputIndex []*big.Int) (event.Subscription, error) {

	var prevNextOutputIndexRule []interface{}
	for _, prevNextOutputIndexItem := range prevNextOutputIndex {
		prevNextOutputIndexRule = append(prevNextOutputIndexRule, prevNextOutputIndexItem)
	}
	var newNextOutputIndexRule []interface{}
	for _, newNextOutputIndexItem := range newNextOutputIndex {
		newNextOutputIndexRule = append(newNextOutputIndexRule, newNextOutputIndexItem)
	}

	logs, sub, err := _L2OutputOracle.contract.WatchLogs(opts, "OutputsDeleted", prevNextOutputIndexRule, newNextOutputIndexRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(L2OutputOracleOutputsDeleted)
				if err := _L2OutputOracle.contract.UnpackLog(event, "OutputsDeleted", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseOutputsDeleted is a log parse operation binding the contract event 0x4ee37ac2c786ec85e87592d3c5c8a1dd66f8496dda3f125d9ea8ca5f657629b6.
//
// Solidity: event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex)
func (_L2OutputOracle *L2OutputOracleFilterer) ParseOutputsDeleted(log types.Log) (*L2OutputOracleOutputsDeleted, error) {
	event := new(L2OutputOracleOutputsDeleted)
	if err := _L2OutputOracle.contract.UnpackLog(event, "OutputsDeleted", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
