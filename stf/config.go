package stf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rlp"
)

// DefaultMessagePasser is the L2ToL1MessagePasser predeploy whose storage root
// goes into the OP version-0 output root.
var DefaultMessagePasser = common.HexToAddress("0x4200000000000000000000000000000000000016")

// ConfigEncodingVersion is the version of the canonical chain-config encoding
// produced by Config.Encode. Any change to the layout below bumps it.
// Version 2 made the message passer optional (version 1 always had one).
const ConfigEncodingVersion = 2

// Config is everything outside the block and its witness that decides the
// outcome of the STF: geth's chain config (fork schedule, blob schedule,
// deposit contract, ...) and the message-passer address of the output root.
type Config struct {
	Chain *params.ChainConfig
	// MessagePasser is the account whose storage root is the output root's
	// second word, proven from the post-state. Nil means the chain has none (an
	// L1 such as mainnet or Hoodi): that word is the empty-trie root and needs
	// no proof. The encoding, and so configHash, tells the two apart.
	MessagePasser *common.Address
}

// NewConfig pairs a geth chain config with the default (OP predeploy)
// message passer: the config of an L2.
func NewConfig(chain *params.ChainConfig) *Config {
	mp := DefaultMessagePasser
	return &Config{Chain: chain, MessagePasser: &mp}
}

// NewL1Config is the config of a chain without a message passer.
func NewL1Config(chain *params.ChainConfig) *Config {
	return &Config{Chain: chain}
}

// The canonical chain-config encoding, version 2, is the RLP list
//
//	[ version=1, chainID,
//	  homestead, daoFork, daoForkSupport, eip150, eip155, eip158, byzantium,
//	  constantinople, petersburg, istanbul, muirGlacier, berlin, london,
//	  arrowGlacier, grayGlacier, mergeNetsplit,                       (block forks)
//	  shanghai, cancun, prague, osaka, bpo1, bpo2, bpo3, bpo4, bpo5,
//	  amsterdam, bogota, ubt,                                         (time forks)
//	  terminalTotalDifficulty, depositContract, enableUBTAtGenesis,
//	  engine, clique,
//	  blobCancun, blobPrague, blobBPO1, blobBPO2, blobBPO3, blobBPO4, blobBPO5,
//	  messagePasser ]
//
// Every optional value (a fork that may be unscheduled, the TTD, the clique
// parameters, a blob-schedule entry, the message passer) is a list of zero elements (absent) or
// one element (present), so "unset" and "zero" never collide. A blob-schedule
// entry is [target, max, baseFeeUpdateFraction]; clique is [period, epoch];
// engine is 0 (none), 1 (ethash) or 2 (clique). Integers are RLP's canonical
// big-endian form, so the encoding of a config is unique; DecodeConfig
// re-encodes what it parsed and rejects anything that is not byte-identical.
// TestConfigCoversChainConfig fails when geth grows a ChainConfig field this
// layout does not carry.
type configV2 struct {
	Version uint64
	ChainID *big.Int

	Homestead, DAOFork optBig
	DAOForkSupport     bool
	EIP150, EIP155     optBig
	EIP158, Byzantium  optBig
	Constantinople     optBig
	Petersburg         optBig
	Istanbul           optBig
	MuirGlacier        optBig
	Berlin, London     optBig
	ArrowGlacier       optBig
	GrayGlacier        optBig
	MergeNetsplit      optBig

	Shanghai, Cancun, Prague, Osaka optTime
	BPO1, BPO2, BPO3, BPO4, BPO5    optTime
	Amsterdam, Bogota, UBT          optTime
	TerminalTotalDifficulty         optBig
	DepositContract                 common.Address
	EnableUBTAtGenesis              bool
	Engine                          uint64
	Clique                          []cliqueV1
	BlobCancun, BlobPrague          []blobV1
	BlobBPO1, BlobBPO2, BlobBPO3    []blobV1
	BlobBPO4, BlobBPO5              []blobV1
	MessagePasser                   []common.Address
}

type (
	optBig  []*big.Int
	optTime []uint64
)

type cliqueV1 struct{ Period, Epoch uint64 }

type blobV1 struct{ Target, Max, UpdateFraction uint64 }

const (
	engineNone   = 0
	engineEthash = 1
	engineClique = 2
)

func toOptBig(v *big.Int) (optBig, error) {
	if v == nil {
		return nil, nil
	}
	if v.Sign() < 0 {
		return nil, fmt.Errorf("%w: negative fork block %v", ErrUnsupportedConfig, v)
	}
	return optBig{new(big.Int).Set(v)}, nil
}

func toOptTime(v *uint64) optTime {
	if v == nil {
		return nil
	}
	return optTime{*v}
}

func toBlob(b *params.BlobConfig) ([]blobV1, error) {
	if b == nil {
		return nil, nil
	}
	if b.Target < 0 || b.Max < 0 {
		return nil, fmt.Errorf("%w: negative blob target/max", ErrUnsupportedConfig)
	}
	return []blobV1{{uint64(b.Target), uint64(b.Max), b.UpdateFraction}}, nil
}

// Encode returns the canonical encoding described above.
func (c *Config) Encode() ([]byte, error) {
	if c == nil || c.Chain == nil || c.Chain.ChainID == nil {
		return nil, fmt.Errorf("%w: chain config without chain ID", ErrUnsupportedConfig)
	}
	cc := c.Chain
	if cc.ChainID.Sign() < 0 {
		return nil, fmt.Errorf("%w: negative chain ID", ErrUnsupportedConfig)
	}
	enc := configV2{
		Version:            ConfigEncodingVersion,
		ChainID:            new(big.Int).Set(cc.ChainID),
		DAOForkSupport:     cc.DAOForkSupport,
		Shanghai:           toOptTime(cc.ShanghaiTime),
		Cancun:             toOptTime(cc.CancunTime),
		Prague:             toOptTime(cc.PragueTime),
		Osaka:              toOptTime(cc.OsakaTime),
		BPO1:               toOptTime(cc.BPO1Time),
		BPO2:               toOptTime(cc.BPO2Time),
		BPO3:               toOptTime(cc.BPO3Time),
		BPO4:               toOptTime(cc.BPO4Time),
		BPO5:               toOptTime(cc.BPO5Time),
		Amsterdam:          toOptTime(cc.AmsterdamTime),
		Bogota:             toOptTime(cc.BogotaTime),
		UBT:                toOptTime(cc.UBTTime),
		DepositContract:    cc.DepositContractAddress,
		EnableUBTAtGenesis: cc.EnableUBTAtGenesis,
	}
	if c.MessagePasser != nil {
		enc.MessagePasser = []common.Address{*c.MessagePasser}
	}
	var err error
	blocks := []struct {
		dst *optBig
		src *big.Int
	}{
		{&enc.Homestead, cc.HomesteadBlock}, {&enc.DAOFork, cc.DAOForkBlock},
		{&enc.EIP150, cc.EIP150Block}, {&enc.EIP155, cc.EIP155Block}, {&enc.EIP158, cc.EIP158Block},
		{&enc.Byzantium, cc.ByzantiumBlock}, {&enc.Constantinople, cc.ConstantinopleBlock},
		{&enc.Petersburg, cc.PetersburgBlock}, {&enc.Istanbul, cc.IstanbulBlock},
		{&enc.MuirGlacier, cc.MuirGlacierBlock}, {&enc.Berlin, cc.BerlinBlock}, {&enc.London, cc.LondonBlock},
		{&enc.ArrowGlacier, cc.ArrowGlacierBlock}, {&enc.GrayGlacier, cc.GrayGlacierBlock},
		{&enc.MergeNetsplit, cc.MergeNetsplitBlock}, {&enc.TerminalTotalDifficulty, cc.TerminalTotalDifficulty},
	}
	for _, b := range blocks {
		if *b.dst, err = toOptBig(b.src); err != nil {
			return nil, err
		}
	}
	switch {
	case cc.Ethash != nil && cc.Clique != nil:
		return nil, fmt.Errorf("%w: both ethash and clique configured", ErrUnsupportedConfig)
	case cc.Ethash != nil:
		enc.Engine = engineEthash
	case cc.Clique != nil:
		enc.Engine = engineClique
		enc.Clique = []cliqueV1{{cc.Clique.Period, cc.Clique.Epoch}}
	default:
		enc.Engine = engineNone
	}
	if bs := cc.BlobScheduleConfig; bs != nil {
		blobs := []struct {
			dst *[]blobV1
			src *params.BlobConfig
		}{
			{&enc.BlobCancun, bs.Cancun}, {&enc.BlobPrague, bs.Prague}, {&enc.BlobBPO1, bs.BPO1},
			{&enc.BlobBPO2, bs.BPO2}, {&enc.BlobBPO3, bs.BPO3}, {&enc.BlobBPO4, bs.BPO4}, {&enc.BlobBPO5, bs.BPO5},
		}
		for _, b := range blobs {
			if *b.dst, err = toBlob(b.src); err != nil {
				return nil, err
			}
		}
	}
	return rlp.EncodeToBytes(&enc)
}

// Hash is the configHash of every claim: keccak256 of the canonical encoding.
func (c *Config) Hash() (common.Hash, error) {
	enc, err := c.Encode()
	if err != nil {
		return common.Hash{}, err
	}
	return crypto.Keccak256Hash(enc), nil
}

func fromOptBig(o optBig) (*big.Int, error) {
	switch len(o) {
	case 0:
		return nil, nil
	case 1:
		return o[0], nil
	}
	return nil, fmt.Errorf("%w: optional value with %d elements", ErrMalformedInput, len(o))
}

func fromOptTime(o optTime) (*uint64, error) {
	switch len(o) {
	case 0:
		return nil, nil
	case 1:
		v := o[0]
		return &v, nil
	}
	return nil, fmt.Errorf("%w: optional time with %d elements", ErrMalformedInput, len(o))
}

func fromBlob(b []blobV1) (*params.BlobConfig, error) {
	switch len(b) {
	case 0:
		return nil, nil
	case 1:
		const maxInt = uint64(^uint(0) >> 1)
		if b[0].Target > maxInt || b[0].Max > maxInt {
			return nil, fmt.Errorf("%w: blob target/max out of range", ErrUnsupportedConfig)
		}
		return &params.BlobConfig{Target: int(b[0].Target), Max: int(b[0].Max), UpdateFraction: b[0].UpdateFraction}, nil
	}
	return nil, fmt.Errorf("%w: blob config with %d elements", ErrMalformedInput, len(b))
}

// DecodeConfig parses a canonical chain-config encoding. It accepts only
// the exact bytes Encode would produce for the result.
func DecodeConfig(b []byte) (*Config, error) {
	var enc configV2
	if err := rlp.DecodeBytes(b, &enc); err != nil {
		return nil, fmt.Errorf("%w: chain config: %v", ErrMalformedInput, err)
	}
	if enc.Version != ConfigEncodingVersion {
		return nil, fmt.Errorf("%w: chain config encoding version %d", ErrUnsupportedConfig, enc.Version)
	}
	if enc.ChainID == nil {
		return nil, fmt.Errorf("%w: chain config without chain ID", ErrMalformedInput)
	}
	cc := &params.ChainConfig{
		ChainID:                new(big.Int).Set(enc.ChainID),
		DAOForkSupport:         enc.DAOForkSupport,
		DepositContractAddress: enc.DepositContract,
		EnableUBTAtGenesis:     enc.EnableUBTAtGenesis,
	}
	var err error
	blocks := []struct {
		dst **big.Int
		src optBig
	}{
		{&cc.HomesteadBlock, enc.Homestead}, {&cc.DAOForkBlock, enc.DAOFork},
		{&cc.EIP150Block, enc.EIP150}, {&cc.EIP155Block, enc.EIP155}, {&cc.EIP158Block, enc.EIP158},
		{&cc.ByzantiumBlock, enc.Byzantium}, {&cc.ConstantinopleBlock, enc.Constantinople},
		{&cc.PetersburgBlock, enc.Petersburg}, {&cc.IstanbulBlock, enc.Istanbul},
		{&cc.MuirGlacierBlock, enc.MuirGlacier}, {&cc.BerlinBlock, enc.Berlin}, {&cc.LondonBlock, enc.London},
		{&cc.ArrowGlacierBlock, enc.ArrowGlacier}, {&cc.GrayGlacierBlock, enc.GrayGlacier},
		{&cc.MergeNetsplitBlock, enc.MergeNetsplit}, {&cc.TerminalTotalDifficulty, enc.TerminalTotalDifficulty},
	}
	for _, f := range blocks {
		if *f.dst, err = fromOptBig(f.src); err != nil {
			return nil, err
		}
	}
	times := []struct {
		dst **uint64
		src optTime
	}{
		{&cc.ShanghaiTime, enc.Shanghai}, {&cc.CancunTime, enc.Cancun}, {&cc.PragueTime, enc.Prague},
		{&cc.OsakaTime, enc.Osaka}, {&cc.BPO1Time, enc.BPO1}, {&cc.BPO2Time, enc.BPO2},
		{&cc.BPO3Time, enc.BPO3}, {&cc.BPO4Time, enc.BPO4}, {&cc.BPO5Time, enc.BPO5},
		{&cc.AmsterdamTime, enc.Amsterdam}, {&cc.BogotaTime, enc.Bogota}, {&cc.UBTTime, enc.UBT},
	}
	for _, f := range times {
		if *f.dst, err = fromOptTime(f.src); err != nil {
			return nil, err
		}
	}
	switch enc.Engine {
	case engineNone:
	case engineEthash:
		cc.Ethash = new(params.EthashConfig)
	case engineClique:
		if len(enc.Clique) != 1 {
			return nil, fmt.Errorf("%w: clique engine without parameters", ErrMalformedInput)
		}
		cc.Clique = &params.CliqueConfig{Period: enc.Clique[0].Period, Epoch: enc.Clique[0].Epoch}
	default:
		return nil, fmt.Errorf("%w: unknown consensus engine %d", ErrUnsupportedConfig, enc.Engine)
	}
	bs := new(params.BlobScheduleConfig)
	srcs := [][]blobV1{enc.BlobCancun, enc.BlobPrague, enc.BlobBPO1, enc.BlobBPO2, enc.BlobBPO3, enc.BlobBPO4, enc.BlobBPO5}
	dsts := []**params.BlobConfig{&bs.Cancun, &bs.Prague, &bs.BPO1, &bs.BPO2, &bs.BPO3, &bs.BPO4, &bs.BPO5}
	anyBlob := false
	for i := range srcs {
		if *dsts[i], err = fromBlob(srcs[i]); err != nil {
			return nil, err
		}
		anyBlob = anyBlob || *dsts[i] != nil
	}
	if anyBlob {
		cc.BlobScheduleConfig = bs
	}
	cfg := &Config{Chain: cc}
	switch len(enc.MessagePasser) {
	case 0:
	case 1:
		mp := enc.MessagePasser[0]
		cfg.MessagePasser = &mp
	default:
		return nil, fmt.Errorf("%w: %d message passers", ErrMalformedInput, len(enc.MessagePasser))
	}
	again, err := cfg.Encode()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: chain config encoding is not canonical", ErrMalformedInput)
	}
	return cfg, nil
}

// ConfigByName resolves the --chain argument of the CLI into an STF config:
// the well-known networks (mainnet, sepolia, hoodi) are L1s and have no
// message passer; a chain-config JSON file is taken for an L2 with the OP
// predeploy (DefaultMessagePasser). The CLI's --message-passer overrides both.
func ConfigByName(name string) (*Config, error) {
	cc, err := ChainConfigByName(name)
	if err != nil {
		return nil, err
	}
	if IsWellKnownChain(name) {
		return NewL1Config(cc), nil
	}
	return NewConfig(cc), nil
}

// IsWellKnownChain reports whether name is one of the built-in networks.
func IsWellKnownChain(name string) bool {
	switch strings.ToLower(name) {
	case "mainnet", "sepolia", "hoodi":
		return true
	}
	return false
}

// ParseMessagePasser parses the CLI's --message-passer value: a 20-byte hex
// address, or "none" for a chain without one (nil).
func ParseMessagePasser(s string) (*common.Address, error) {
	if strings.EqualFold(s, "none") {
		return nil, nil
	}
	if !common.IsHexAddress(s) {
		return nil, fmt.Errorf("message passer %q is neither a 20-byte hex address nor \"none\"", s)
	}
	a := common.HexToAddress(s)
	return &a, nil
}

// ChainConfigByName resolves the --chain argument of the CLI: a well-known
// network name (mainnet, sepolia, hoodi) or a path to a geth chain-config JSON
// file (the "config" object of a genesis file, or a bare ChainConfig).
func ChainConfigByName(name string) (*params.ChainConfig, error) {
	switch strings.ToLower(name) {
	case "mainnet":
		return params.MainnetChainConfig, nil
	case "sepolia":
		return params.SepoliaChainConfig, nil
	case "hoodi":
		return params.HoodiChainConfig, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("chain %q is neither mainnet, sepolia, hoodi nor a readable JSON file: %w", name, err)
	}
	var genesis struct {
		Config *params.ChainConfig `json:"config"`
	}
	if err := json.Unmarshal(data, &genesis); err == nil && genesis.Config != nil {
		return genesis.Config, nil
	}
	cc := new(params.ChainConfig)
	if err := json.Unmarshal(data, cc); err != nil {
		return nil, fmt.Errorf("%w: chain config %s: %v", ErrUnsupportedConfig, name, err)
	}
	if cc.ChainID == nil {
		return nil, fmt.Errorf("%w: chain config %s has no chainId", ErrUnsupportedConfig, name)
	}
	return cc, nil
}
