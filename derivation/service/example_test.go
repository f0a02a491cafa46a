package service_test

import (
	"context"
	"log"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/service"
	"github.com/zkexex/zkexex/stf"
)

// Adding zkexex to your own geth-based binary: one call between eth.New and stack.Start.
func Example() {
	ctx := context.Background()
	stack, err := node.New(&node.Config{DataDir: "/var/lib/mygeth"})
	if err != nil {
		log.Fatal(err)
	}
	backend, err := eth.New(stack, &ethconfig.Defaults)
	if err != nil {
		log.Fatal(err)
	}
	// The consensus client (or rollup node) drives the node over the authenticated engine API.
	if err := catalyst.Register(stack, backend); err != nil {
		log.Fatal(err)
	}
	l1, err := ethclient.DialContext(ctx, "https://l1.example.org")
	if err != nil {
		log.Fatal(err)
	}
	key, err := crypto.LoadECDSA("/etc/mygeth/proposer.key")
	if err != nil {
		log.Fatal(err)
	}
	svc, err := service.Install(ctx, stack, backend, service.Config{
		// The dev prover: the STF natively, receipts without a seal (dev-mode oracles only).
		Prover:      &derivation.DevProver{Execute: stf.Execute},
		L1:          l1,
		Oracle:      common.HexToAddress("0x4200000000000000000000000000000000000000"),
		ProposerKey: key, // nil: prove and serve zkexex_* without proposing
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := stack.Start(); err != nil {
		log.Fatal(err)
	}
	stack.Wait()
	svc.Close()
}
