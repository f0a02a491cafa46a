package devnet

import (
	"crypto/ecdsa"
	"math/big"
	"math/rand"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
)

// StoreLogRuntime is the runtime code of a tiny contract: with calldata (value ‖ key) it stores
// value at key (a zero value clears the slot) and emits LOG1(topic = value); with empty
// calldata it reverts. Hand-assembled:
//
//	00 CALLDATASIZE ISZERO PUSH1 0x13 JUMPI       ; no calldata → revert
//	05 PUSH1 0 CALLDATALOAD DUP1 PUSH1 32 CALLDATALOAD SSTORE   ; sstore(key, value)
//	0d PUSH1 0 PUSH1 0 LOG1 STOP                  ; log1(0, 0, value)
//	13 JUMPDEST PUSH1 0 DUP1 REVERT
var StoreLogRuntime = common.FromHex("3615601357600035806020355560006000a1005b600080fd")

// StoreLogInit is creation code that returns StoreLogRuntime (CODECOPY of the 24 bytes after
// this 11-byte prefix, then RETURN).
var StoreLogInit = append(common.FromHex("601880600b6000396000f3"), StoreLogRuntime...)

// StoreLogAddress is where test genesis allocs place StoreLogRuntime.
var StoreLogAddress = common.HexToAddress("0x000000000000000000000000000000000000c0de")

// StoreCalldata encodes a call that stores value at key.
func StoreCalldata(key, value uint64) []byte {
	data := make([]byte, 64)
	new(big.Int).SetUint64(value).FillBytes(data[:32])
	new(big.Int).SetUint64(key).FillBytes(data[32:])
	return data
}

// TxKind is one kind of generated transaction.
type TxKind int

const (
	TxTransfer TxKind = iota // plain value transfer to a fresh address
	TxStore                  // storage write + log
	TxClear                  // storage clear (write zero) + log
	TxRevert                 // call that reverts
	TxDeploy                 // contract creation
	numTxKinds
)

// TxRequest describes a transaction before its nonce and fees are known.
type TxRequest struct {
	Kind  TxKind
	To    *common.Address
	Value *big.Int
	Data  []byte
	Gas   uint64
}

// RandomTx picks a varied transaction: transfers, storage writes and clears, reverting calls
// and contract deployments, calling the contract at target.
func RandomTx(rng *rand.Rand, target common.Address) TxRequest {
	switch k := TxKind(rng.Intn(int(numTxKinds))); k {
	case TxTransfer:
		var to common.Address
		rng.Read(to[:])
		return TxRequest{Kind: k, To: &to, Value: big.NewInt(int64(1 + rng.Intn(1e6))), Gas: params.TxGas}
	case TxStore:
		return TxRequest{Kind: k, To: &target, Value: new(big.Int), Data: StoreCalldata(uint64(rng.Intn(8)), uint64(1+rng.Intn(1000))), Gas: 100_000}
	case TxClear:
		return TxRequest{Kind: k, To: &target, Value: new(big.Int), Data: StoreCalldata(uint64(rng.Intn(8)), 0), Gas: 100_000}
	case TxRevert:
		return TxRequest{Kind: k, To: &target, Value: new(big.Int), Gas: 60_000}
	default:
		return TxRequest{Kind: TxDeploy, Value: new(big.Int), Data: StoreLogInit, Gas: 200_000}
	}
}

// Sign makes an EIP-1559 transaction for r with a tip of 1 gwei over baseFee.
func (r TxRequest) Sign(signer types.Signer, key *ecdsa.PrivateKey, nonce uint64, baseFee *big.Int) *types.Transaction {
	tip := big.NewInt(params.GWei)
	feeCap := new(big.Int).Add(new(big.Int).Mul(baseFee, big.NewInt(2)), tip)
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID:   signer.ChainID(),
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: feeCap,
		Gas:       r.Gas,
		To:        r.To,
		Value:     r.Value,
		Data:      r.Data,
	})
	signed, err := types.SignTx(tx, signer, key)
	if err != nil {
		panic(err) // only with a nil key or a mismatched signer: a bug in the caller
	}
	return signed
}
