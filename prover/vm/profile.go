package vm

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// The cycle profiler. A profiled run decodes calls through ra (JAL/JALR with rd = ra) and
// returns (JALR x0, 0(ra)) to forms that maintain a shadow call stack of return addresses;
// a trap pushes a frame for the trapping pc and mret pops back to it, so kernel time appears
// under the kernel's own functions, called from the user instruction that trapped. Every
// ProfilePeriod instructions the run leaves its fast path and charges the cycles since the
// last sample (paging included) to the current stack. Go switches goroutine stacks without
// returning; frames a return never matches stay on the shadow stack, so callers far from the
// leaf may be stale after such a switch (the leaf is always exact).

// ProfilePeriod is the profiler's sampling period in instructions.
const ProfilePeriod = 1 << 10

const maxShadowDepth = 1024

type shadowFrame struct {
	ret  uint64 // return address; for a trap frame, the trapping pc
	trap bool
}

type profiler struct {
	stack   []shadowFrame
	samples map[string]*profSample
	last    uint64 // cycles at the last sample
	next    uint64 // instret of the next sample
}

type profSample struct {
	pcs    []uint64 // leaf first: the pc, then return addresses (or trapping pcs) outward
	cycles uint64
}

func newProfiler(instret, cycles uint64) *profiler {
	return &profiler{samples: make(map[string]*profSample), last: cycles, next: instret + ProfilePeriod}
}

func (p *profiler) call(_, ret uint64) {
	if len(p.stack) < maxShadowDepth {
		p.stack = append(p.stack, shadowFrame{ret: ret})
	}
}

// ret pops the frame whose return address is target and everything above it; a return that
// matches no frame (a stack the shadow stack never saw) pops nothing.
func (p *profiler) ret(target uint64) {
	for i := len(p.stack) - 1; i >= 0; i-- {
		f := p.stack[i]
		if f.trap {
			return // returns never cross a trap frame
		}
		if f.ret == target {
			p.stack = p.stack[:i]
			return
		}
	}
}

func (p *profiler) trap(pc uint64) {
	if len(p.stack) < maxShadowDepth {
		p.stack = append(p.stack, shadowFrame{ret: pc, trap: true})
	}
}

func (p *profiler) mret() {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if p.stack[i].trap {
			p.stack = p.stack[:i]
			return
		}
	}
}

// sample charges the cycles since the last sample to the stack at pc.
func (p *profiler) sample(pc, instret, cycles uint64) {
	p.next = instret + ProfilePeriod
	if cycles == p.last {
		return
	}
	var key strings.Builder
	pcs := make([]uint64, 0, len(p.stack)+1)
	pcs = append(pcs, pc)
	for i := len(p.stack) - 1; i >= 0; i-- {
		a := p.stack[i].ret
		if !p.stack[i].trap {
			a -= 4 // the call instruction, inside the caller
		}
		pcs = append(pcs, a)
	}
	for _, a := range pcs {
		key.WriteString(strconv.FormatUint(a, 16))
		key.WriteByte(' ')
	}
	s := p.samples[key.String()]
	if s == nil {
		s = &profSample{pcs: pcs}
		p.samples[key.String()] = s
	}
	s.cycles += cycles - p.last
	p.last = cycles
}

// build turns the samples into a pprof profile of cycles, with one location per function.
func (p *profiler) build(name func(pc uint64) string, dur time.Duration) *profile.Profile {
	prof := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "cycles", Unit: "count"}},
		PeriodType:    &profile.ValueType{Type: "instructions", Unit: "count"},
		Period:        ProfilePeriod,
		DurationNanos: dur.Nanoseconds(),
	}
	locs := map[string]*profile.Location{}
	loc := func(pc uint64) *profile.Location {
		n := name(pc)
		if n == "" {
			n = "0x" + strconv.FormatUint(pc, 16)
		}
		if l, ok := locs[n]; ok {
			return l
		}
		fn := &profile.Function{ID: uint64(len(prof.Function) + 1), Name: n, SystemName: n}
		prof.Function = append(prof.Function, fn)
		l := &profile.Location{ID: uint64(len(prof.Location) + 1), Line: []profile.Line{{Function: fn}}}
		prof.Location = append(prof.Location, l)
		locs[n] = l
		return l
	}
	for _, s := range p.samples {
		ps := &profile.Sample{Value: []int64{int64(s.cycles)}}
		var prev *profile.Location
		for _, a := range s.pcs {
			l := loc(a)
			if l == prev {
				continue // recursion through one location reads better folded
			}
			ps.Location = append(ps.Location, l)
			prev = l
		}
		prof.Sample = append(prof.Sample, ps)
	}
	return prof
}

// profileForms rewrites a decoded code page's calls and returns to their profiling forms.
func profileForms(c *[PageSize / 4]inst) {
	for i := range c {
		in := &c[i]
		switch {
		case in.op == opJAL && in.rd == 1:
			in.op = opJALCall
		case in.op == opJALR && in.rd == 1:
			in.op = opJALRCall
		case in.op == opJALR && in.rd == sinkReg && in.rs1 == 1 && in.imm == 0:
			in.op = opRet
		}
	}
}
