package derivation

import (
	"context"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// API is the "zkexex" JSON-RPC namespace: zkexex_provenHead, zkexex_getProvenBlock and
// zkexex_subscribe("provenBlocks").
type API struct{ p *Pipeline }

// APIs returns the namespace for node.Node.RegisterAPIs.
func (p *Pipeline) APIs() []rpc.API {
	return []rpc.API{{Namespace: "zkexex", Service: &API{p}}}
}

// ProvenHead returns the highest proven block's index entry, null when none.
func (a *API) ProvenHead() (*ProvenBlock, error) { return a.p.ProvenHead() }

// GetProvenBlock returns block number's index entry, null when it is not proven.
func (a *API) GetProvenBlock(number hexutil.Uint64) (*ProvenBlock, error) {
	return a.p.ProvenBlock(uint64(number))
}

// ProvenBlocks streams index events (kind "proven" or "retracted") from now on.
func (a *API) ProvenBlocks(ctx context.Context) (*rpc.Subscription, error) {
	notifier, supported := rpc.NotifierFromContext(ctx)
	if !supported {
		return nil, rpc.ErrNotificationsUnsupported
	}
	sub := notifier.CreateSubscription()
	ch := make(chan Event, 256)
	feedSub := a.p.Subscribe(ch)
	go func() {
		defer feedSub.Unsubscribe()
		for {
			select {
			case ev := <-ch:
				if err := notifier.Notify(sub.ID, ev); err != nil {
					return
				}
			case <-sub.Err():
				return
			case <-feedSub.Err():
				return
			}
		}
	}()
	return sub, nil
}
