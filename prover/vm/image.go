package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
)

// Image is a machine state a run starts from: pc and the resident memory (all-zero pages are
// left out: the page tree treats them as absent). Its ID is ImageID(root, pc).
type Image struct {
	PC    uint64
	Pages []ImagePage // ascending page number, no two alike, none all zero
}

// ImagePage is one page of an image.
type ImagePage struct {
	Page uint64
	Data [PageSize]byte
}

// Boot describes how an image was built.
type Boot struct {
	// Ready: the image is the state at the program's READY host call; otherwise the program
	// read, wrote or halted first and the image is its entry state.
	Ready bool
	// Instructions retired from the entry to READY (0 without READY).
	Instructions uint64
	// CyclesBeforeMain and FPOpsBeforeMain: instructions and emulated instructions from the
	// entry until main.main first ran, when that happened before READY.
	CyclesBeforeMain, FPOpsBeforeMain uint64
}

// Annotate records in res, a run from the image, what happened before the image.
func (b *Boot) Annotate(res *Result) {
	res.BootInstructions, res.Ready = b.Instructions, b.Ready
	if b.Ready {
		res.CyclesBeforeMain, res.FPOpsBeforeMain = b.CyclesBeforeMain, b.FPOpsBeforeMain
	}
}

// BuildImage runs prog from its entry (with cfg's arguments and environment, no input) until
// the first READY, READ, WRITE or HALT host call. At READY the image is the machine state
// there; otherwise it is the entry state, which is also what a program without READY starts
// from. A fault before that point is returned as the run's error.
func BuildImage(ctx context.Context, prog *Program, cfg Config) (*Image, *Boot, error) {
	m, err := newMachine(prog, &cfg)
	if err != nil {
		return nil, nil, err
	}
	m.bootPass = true
	m.segLimit = 1 << 62 // no segments: paging accounting is irrelevant here
	m.maxCycles = cfg.MaxCycles
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		m.setStop(m.instret + 1<<24)
		err := m.run()
		if err == nil {
			if m.maxCycles != 0 && m.cycles()+maxInstrCycles > m.maxCycles {
				return nil, nil, m.fault(ErrCycleLimit, m.pc, fmt.Sprintf("%d instructions before READY", m.instret))
			}
			continue
		}
		sig, ok := err.(stopSignal)
		if !ok {
			return nil, nil, err
		}
		if sig.ready {
			m.flushBank()
			return m.image(), &Boot{Ready: true, Instructions: m.instret, CyclesBeforeMain: m.markInstret, FPOpsBeforeMain: m.markEmu}, nil
		}
		entry, err := newMachine(prog, &cfg)
		if err != nil {
			return nil, nil, err
		}
		return entry.image(), &Boot{}, nil
	}
}

func (m *Machine) image() *Image {
	img := &Image{PC: m.pc}
	var zero [PageSize]byte
	m.mem.forEach(func(pn uint64, p *page) {
		if p.data != zero {
			img.Pages = append(img.Pages, ImagePage{Page: pn, Data: p.data})
		}
	})
	return img
}

// loadImage makes the image the machine's memory and state.
func (m *Machine) loadImage(img *Image) error {
	if err := img.check(); err != nil {
		return err
	}
	for i := range img.Pages {
		p, err := m.mem.alloc(img.Pages[i].Page)
		if err != nil {
			return err
		}
		p.data = img.Pages[i].Data
	}
	if err := m.machinePage(); err != nil {
		return err
	}
	m.pc = img.PC
	m.loadBank()
	// an image past READY is in kernel mode (the kernel's READY host call); an entry image
	// is in user mode and has not made its READY
	m.ready = m.mode != 0
	return nil
}

func (img *Image) check() error {
	if img.PC >= 1<<AddrBits || img.PC&3 != 0 {
		return fmt.Errorf("%w: pc %#x", ErrBadImage, img.PC)
	}
	var zero [PageSize]byte
	for i := range img.Pages {
		p := &img.Pages[i]
		switch {
		case p.Page >= 1<<PageBits:
			return fmt.Errorf("%w: page %#x outside the address space", ErrBadImage, p.Page)
		case i > 0 && p.Page <= img.Pages[i-1].Page:
			return fmt.Errorf("%w: pages out of order at %d", ErrBadImage, i)
		case p.Data == zero:
			return fmt.Errorf("%w: all-zero page %#x", ErrBadImage, p.Page)
		}
	}
	if mode := img.word(MachineBase + kMode); mode > 1 {
		return fmt.Errorf("%w: mode word %d", ErrBadImage, mode)
	}
	return nil
}

// word reads an aligned 8-byte word of the image (0 where no page is stored).
func (img *Image) word(a uint64) uint64 {
	for i := range img.Pages {
		if img.Pages[i].Page == a>>pageShift {
			return binary.LittleEndian.Uint64(img.Pages[i].Data[a&0xfff:])
		}
	}
	return 0
}

// ID is the image ID: ImageID of the page tree's root and pc.
func (img *Image) ID() hash.Digest {
	t := newPageTree()
	pns := make([]uint64, len(img.Pages))
	idx := make(map[uint64]int, len(img.Pages))
	for i := range img.Pages {
		pns[i] = img.Pages[i].Page
		idx[pns[i]] = i
	}
	t.update(hashPages(pns, func(pn uint64) *[PageSize]byte { return &img.Pages[idx[pn]].Data }))
	return ImageID(t.root(), img.PC)
}

// Encoding (little-endian): "ZKXIMG" magic, u16 version, u64 pc, u32 page count, then each
// page as u64 page number and 4096 bytes, in ascending page order.
var imageMagic = []byte("ZKXIMG")

// ImageVersion is the version of the image encoding.
const ImageVersion = 1

// MarshalBinary encodes the image deterministically.
func (img *Image) MarshalBinary() ([]byte, error) {
	if err := img.check(); err != nil {
		return nil, err
	}
	e := &encoder{b: make([]byte, 0, len(imageMagic)+14+len(img.Pages)*(8+PageSize))}
	e.b = append(e.b, imageMagic...)
	e.u16(ImageVersion)
	e.u64(img.PC)
	e.u32(uint32(len(img.Pages)))
	for i := range img.Pages {
		e.u64(img.Pages[i].Page)
		e.b = append(e.b, img.Pages[i].Data[:]...)
	}
	return e.b, nil
}

// DecodeImage parses an image written by MarshalBinary. It rejects truncated, trailing or
// non-canonical input with an error wrapping ErrBadImage.
func DecodeImage(b []byte) (*Image, error) {
	if !bytes.HasPrefix(b, imageMagic) {
		return nil, fmt.Errorf("%w: bad magic", ErrBadImage)
	}
	d := &decoder{b: b[len(imageMagic):]}
	if v := d.u16(); d.err == nil && v != ImageVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadImage, v)
	}
	img := &Image{PC: d.u64()}
	n := d.count(8 + PageSize)
	for i := 0; i < n && d.err == nil; i++ {
		var p ImagePage
		p.Page = d.u64()
		copy(p.Data[:], d.take(PageSize))
		img.Pages = append(img.Pages, p)
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadImage, d.err)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadImage, len(d.b))
	}
	if err := img.check(); err != nil {
		return nil, err
	}
	return img, nil
}
