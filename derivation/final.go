package derivation

import (
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/stf"
)

// SpanJournal is the layout of the STF guest's journal, stf.Claim's ABI encoding, as the final
// layer's span program reads it (recursion.JournalLayout; prover packages do not import stf).
func SpanJournal() recursion.JournalLayout {
	return recursion.JournalLayout{
		Words:        stf.ClaimSize / 32,
		Config:       stf.WordConfigHash,
		ParentHash:   stf.WordParentHash,
		BlockHash:    stf.WordBlockHash,
		Number:       stf.WordBlockNumber,
		PreState:     stf.WordPreStateRoot,
		PostState:    stf.WordPostStateRoot,
		Output:       stf.WordOutputRoot,
		ParentOutput: stf.WordParentOutputRoot,
	}
}

// ProductionSpan is the statement of the production final layer for spans of blocks blocks:
// succinct seals under recursion.ProductionSet, journals laid out as SpanJournal says.
func ProductionSpan(blocks int) (recursion.SpanStatement, error) {
	set, err := recursion.ProductionSet()
	if err != nil {
		return recursion.SpanStatement{}, err
	}
	return recursion.SpanStatement{Set: set, Blocks: blocks, Journal: SpanJournal()}, nil
}
