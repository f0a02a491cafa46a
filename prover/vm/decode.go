package vm

// Predecoded instruction forms. The interpreter switches on op; rd is already redirected to
// the write-only sink register (index 32) when the architectural destination is x0, so the
// hot loop never tests rd == 0. Branch, JAL and AUIPC targets are made absolute at decode time.
const (
	opIllegal uint8 = iota
	opCompressed
	opLUI
	opAUIPC
	opJAL
	opJALR
	opBEQ
	opBNE
	opBLT
	opBGE
	opBLTU
	opBGEU
	opLB
	opLH
	opLW
	opLD
	opLBU
	opLHU
	opLWU
	opSB
	opSH
	opSW
	opSD
	opADDI
	opSLTI
	opSLTIU
	opXORI
	opORI
	opANDI
	opSLLI
	opSRLI
	opSRAI
	opADD
	opSUB
	opSLL
	opSLT
	opSLTU
	opXOR
	opSRL
	opSRA
	opOR
	opAND
	opADDIW
	opSLLIW
	opSRLIW
	opSRAIW
	opADDW
	opSUBW
	opSLLW
	opSRLW
	opSRAW
	opMUL
	opMULH
	opMULHSU
	opMULHU
	opDIV
	opDIVU
	opREM
	opREMU
	opMULW
	opDIVW
	opDIVUW
	opREMW
	opREMUW
	opFENCE
	opECALL
	opMRET
	opLRW
	opSCW
	opLRD
	opSCD
	opAMOW // imm: funct5
	opAMOD // imm: funct5
	opMark
	// jumps whose static target is not 4-aligned (no C extension): JAL always faults; a
	// branch (its condition op kept in rd, which a branch never writes) faults when taken.
	// Decoding them apart keeps the alignment check off the hot path of aligned jumps.
	opJALMisaligned
	opBranchMisaligned
	// profiling forms of JAL/JALR (decoded only when a run is profiled): calls through ra
	// and returns, which maintain the profiler's shadow call stack
	opJALCall
	opJALRCall
	opRet
	numOps
)

// inst is one predecoded instruction (16 bytes so a 4 KiB code page decodes to 16 KiB).
type inst struct {
	op  uint8
	rd  uint8
	rs1 uint8
	rs2 uint8
	raw uint32
	imm int64
}

const sinkReg = 32

// decode turns the 32-bit word at pc into its predecoded form. It never fails: words outside
// RV64IMA (F/D, CSR instructions, ebreak, unknown encodings) decode to opIllegal (or
// opCompressed) and trap into the kernel only if they are executed.
func decode(raw uint32, pc uint64) inst {
	in := inst{raw: raw}
	if raw&3 != 3 {
		in.op = opCompressed
		return in
	}
	rd := uint8(raw >> 7 & 31)
	rs1 := uint8(raw >> 15 & 31)
	rs2 := uint8(raw >> 20 & 31)
	f3 := raw >> 12 & 7
	f7 := raw >> 25
	in.rs1, in.rs2 = rs1, rs2
	xrd := rd
	if xrd == 0 {
		xrd = sinkReg
	}
	in.rd = xrd
	immI := int64(int32(raw) >> 20)
	immS := int64(int32(raw)>>25<<5) | int64(raw>>7&31)
	switch raw & 0x7f {
	case 0x37:
		in.op, in.imm = opLUI, int64(int32(raw&0xfffff000))
	case 0x17:
		in.op, in.imm = opAUIPC, int64(pc)+int64(int32(raw&0xfffff000))
	case 0x6f:
		off := int64(int32(raw)>>31)<<20 | int64(raw>>21&0x3ff)<<1 | int64(raw>>20&1)<<11 | int64(raw>>12&0xff)<<12
		in.op, in.imm = opJAL, int64(pc)+off
		if in.imm&3 != 0 {
			in.op = opJALMisaligned
		}
	case 0x67:
		if f3 == 0 {
			in.op, in.imm = opJALR, immI
		}
	case 0x63:
		off := int64(int32(raw)>>31)<<12 | int64(raw>>7&1)<<11 | int64(raw>>25&0x3f)<<5 | int64(raw>>8&0xf)<<1
		in.imm = int64(pc) + off
		switch f3 {
		case 0:
			in.op = opBEQ
		case 1:
			in.op = opBNE
		case 4:
			in.op = opBLT
		case 5:
			in.op = opBGE
		case 6:
			in.op = opBLTU
		case 7:
			in.op = opBGEU
		}
		if in.imm&3 != 0 && in.op != opIllegal {
			in.op, in.rd = opBranchMisaligned, in.op
		}
	case 0x03:
		in.imm = immI
		in.op = [8]uint8{opLB, opLH, opLW, opLD, opLBU, opLHU, opLWU, opIllegal}[f3]
	case 0x23:
		in.imm = immS
		if f3 < 4 {
			in.op = [4]uint8{opSB, opSH, opSW, opSD}[f3]
		}
	case 0x13:
		in.imm = immI
		switch f3 {
		case 0:
			in.op = opADDI
		case 2:
			in.op = opSLTI
		case 3:
			in.op = opSLTIU
		case 4:
			in.op = opXORI
		case 6:
			in.op = opORI
		case 7:
			in.op = opANDI
		case 1:
			if raw>>26 == 0 {
				in.op, in.imm = opSLLI, int64(raw>>20&63)
			}
		case 5:
			switch raw >> 26 {
			case 0:
				in.op, in.imm = opSRLI, int64(raw>>20&63)
			case 0x10:
				in.op, in.imm = opSRAI, int64(raw>>20&63)
			}
		}
	case 0x1b:
		switch {
		case f3 == 0:
			in.op, in.imm = opADDIW, immI
		case f3 == 1 && f7 == 0:
			in.op, in.imm = opSLLIW, int64(rs2)
		case f3 == 5 && f7 == 0:
			in.op, in.imm = opSRLIW, int64(rs2)
		case f3 == 5 && f7 == 0x20:
			in.op, in.imm = opSRAIW, int64(rs2)
		}
	case 0x33:
		switch f7 {
		case 0:
			in.op = [8]uint8{opADD, opSLL, opSLT, opSLTU, opXOR, opSRL, opOR, opAND}[f3]
		case 0x20:
			switch f3 {
			case 0:
				in.op = opSUB
			case 5:
				in.op = opSRA
			}
		case 1:
			in.op = [8]uint8{opMUL, opMULH, opMULHSU, opMULHU, opDIV, opDIVU, opREM, opREMU}[f3]
		}
	case 0x3b:
		switch f7 {
		case 0:
			switch f3 {
			case 0:
				in.op = opADDW
			case 1:
				in.op = opSLLW
			case 5:
				in.op = opSRLW
			}
		case 0x20:
			switch f3 {
			case 0:
				in.op = opSUBW
			case 5:
				in.op = opSRAW
			}
		case 1:
			in.op = [8]uint8{opMULW, opIllegal, opIllegal, opIllegal, opDIVW, opDIVUW, opREMW, opREMUW}[f3]
		}
	case 0x0f:
		if f3 == 0 || f3 == 1 {
			in.op = opFENCE
		}
	case 0x73:
		switch raw {
		case 0x00000073:
			in.op = opECALL
		case 0x30200073:
			in.op = opMRET
		}
	case 0x2f:
		f5 := raw >> 27
		switch f3 {
		case 2, 3:
			d := f3 == 3
			switch f5 {
			case 2:
				if rs2 == 0 {
					in.op = opLRW
					if d {
						in.op = opLRD
					}
				}
			case 3:
				in.op = opSCW
				if d {
					in.op = opSCD
				}
			case 0, 1, 4, 8, 12, 16, 20, 24, 28:
				in.op, in.imm = opAMOW, int64(f5)
				if d {
					in.op = opAMOD
				}
			}
		}
	}
	return in
}
