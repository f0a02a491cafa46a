package stf

import (
	"bytes"
	"errors"
	"math/big"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rlp"
)

func TestConfigRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chain *params.ChainConfig
	}{
		{"mainnet", params.MainnetChainConfig},
		{"sepolia", params.SepoliaChainConfig},
		{"hoodi", params.HoodiChainConfig},
		{"generated", testChainConfig()},
		{"all-dev", params.AllDevChainProtocolChanges},
		{"clique", params.AllCliqueProtocolChanges},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := NewConfig(tc.chain)
			enc, err := cfg.Encode()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeConfig(enc)
			if err != nil {
				t.Fatal(err)
			}
			again, err := dec.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, again) {
				t.Fatal("re-encoding differs")
			}
			// What execution reads must survive the round trip.
			for _, tm := range []uint64{0, 1742999832, 1761677592, 1762955544, 1 << 40} {
				for _, n := range []int64{0, 1_150_000, 30_000_000} {
					if a, b := tc.chain.Rules(big.NewInt(n), true, tm), dec.Chain.Rules(big.NewInt(n), true, tm); a != b {
						t.Fatalf("rules at block %d time %d differ", n, tm)
					}
					if tc.chain.LatestFork(tm) != dec.Chain.LatestFork(tm) {
						t.Fatalf("latest fork at %d differs", tm)
					}
				}
			}
			if !reflect.DeepEqual(tc.chain.BlobScheduleConfig, dec.Chain.BlobScheduleConfig) {
				t.Fatal("blob schedule differs")
			}
		})
	}
}

// TestConfigHashPinned pins the Hoodi configHash: a change to the canonical
// encoding must bump ConfigEncodingVersion and this value together.
func TestConfigHashPinned(t *testing.T) {
	got := mustHash(t, NewL1Config(params.HoodiChainConfig))
	want := common.HexToHash(hoodiConfigHash)
	if got != want {
		t.Fatalf("hoodi configHash %v, pinned %v", got, want)
	}
}

// TestConfigCoversChainConfig changes every field of geth's ChainConfig (and
// of every blob-schedule entry) in turn; each change must change the
// configHash. A field geth adds later and the encoding does not carry makes
// this test fail.
func TestConfigCoversChainConfig(t *testing.T) {
	base := testChainConfig()
	baseHash := mustHash(t, NewConfig(base))
	typ := reflect.TypeOf(*base)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			cc := *base
			v := reflect.ValueOf(&cc).Elem().Field(i)
			switch p := v.Addr().Interface().(type) {
			case **big.Int:
				if *p == nil {
					*p = big.NewInt(0)
				} else {
					*p = new(big.Int).Add(*p, common.Big1)
				}
			case **uint64:
				if *p == nil {
					x := uint64(0)
					*p = &x
				} else {
					x := **p + 1
					*p = &x
				}
			case *bool:
				*p = !*p
			case *common.Address:
				(*p)[0] ^= 1
			case **params.EthashConfig:
				*p = nil
			case **params.CliqueConfig:
				*p = &params.CliqueConfig{Period: 1, Epoch: 2}
				cc.Ethash = nil
			case **params.BlobScheduleConfig:
				bs := **p
				*p = &bs
				bv := reflect.ValueOf(&bs).Elem()
				for j := 0; j < bv.NumField(); j++ {
					cp := bs
					fp := reflect.ValueOf(&cp).Elem().Field(j).Addr().Interface().(**params.BlobConfig)
					if *fp == nil {
						*fp = &params.BlobConfig{Target: 1, Max: 2, UpdateFraction: 3}
					} else {
						mod := **fp
						mod.UpdateFraction++
						*fp = &mod
					}
					cc2 := cc
					cc2.BlobScheduleConfig = &cp
					if mustHash(t, NewConfig(&cc2)) == baseHash {
						t.Errorf("blob schedule entry %s does not change the configHash", bv.Type().Field(j).Name)
					}
				}
				return
			default:
				t.Fatalf("ChainConfig field %s of type %s is not covered by the canonical encoding", f.Name, f.Type)
			}
			if mustHash(t, NewConfig(&cc)) == baseHash {
				t.Fatalf("changing %s does not change the configHash", f.Name)
			}
		})
	}
	other := NewConfig(base)
	other.MessagePasser = &common.Address{1}
	if mustHash(t, other) == baseHash {
		t.Fatal("message passer does not change the configHash")
	}
	// "No message passer" is not the zero address: both are encodable and
	// their hashes differ from each other and from the default's.
	none, zero := NewL1Config(base), NewConfig(base)
	zero.MessagePasser = &common.Address{}
	if h := mustHash(t, none); h == baseHash || h == mustHash(t, zero) {
		t.Fatal("a chain without a message passer shares a configHash with one that has one")
	}
	for _, c := range []*Config{none, zero, other} {
		enc, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeConfig(enc)
		if err != nil {
			t.Fatal(err)
		}
		if (dec.MessagePasser == nil) != (c.MessagePasser == nil) || dec.MessagePasser != nil && *dec.MessagePasser != *c.MessagePasser {
			t.Fatalf("message passer %v decoded as %v", c.MessagePasser, dec.MessagePasser)
		}
	}
}

func TestDecodeConfigRejects(t *testing.T) {
	good, err := NewConfig(params.HoodiChainConfig).Encode()
	if err != nil {
		t.Fatal(err)
	}
	var enc configV2
	if err := rlp.DecodeBytes(good, &enc); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(*configV2)) []byte {
		e := enc
		f(&e)
		b, err := rlp.EncodeToBytes(&e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		enc  []byte
		want error
	}{
		{"empty", nil, ErrMalformedInput},
		{"truncated", good[:len(good)-1], ErrMalformedInput},
		{"trailing byte", append(append([]byte{}, good...), 0), ErrMalformedInput},
		{"version 1", mutate(func(e *configV2) { e.Version = 1 }), ErrUnsupportedConfig},
		{"version 3", mutate(func(e *configV2) { e.Version = 3 }), ErrUnsupportedConfig},
		{"two message passers", mutate(func(e *configV2) { e.MessagePasser = []common.Address{{1}, {2}} }), ErrMalformedInput},
		{"two values for one fork", mutate(func(e *configV2) { e.Shanghai = optTime{1, 2} }), ErrMalformedInput},
		{"unknown engine", mutate(func(e *configV2) { e.Engine = 9 }), ErrUnsupportedConfig},
		{"clique without parameters", mutate(func(e *configV2) { e.Engine = engineClique }), ErrMalformedInput},
		{"ethash with stray clique parameters", mutate(func(e *configV2) { e.Clique = []cliqueV1{{1, 2}} }), ErrMalformedInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeConfig(tc.enc)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}
