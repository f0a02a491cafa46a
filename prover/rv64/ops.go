package rv64

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Op is an ALU operation code, the first value of every ALU bus message. The numbering is this
// package's own (it is part of the AIR, hence of the verifying key), not a RISC-V encoding: the
// CPU table maps decoded instructions to it, immediate forms included (ADDI is ADD with b the
// sign-extended immediate, SLTIU is SLTU, ...).
type Op uint8

const (
	OpADD Op = iota + 1
	OpSUB
	OpADDW
	OpSUBW
	OpAND
	OpOR
	OpXOR
	OpSLT
	OpSLTU
	OpMUL
	OpMULH
	OpMULHU
	OpMULHSU
	OpMULW
	OpSLL
	OpSRL
	OpSRA
	OpSLLW
	OpSRLW
	OpSRAW
	OpDIV
	OpDIVU
	OpREM
	OpREMU
	OpDIVW
	OpDIVUW
	OpREMW
	OpREMUW
	numOps
)

var opNames = [...]string{"", "ADD", "SUB", "ADDW", "SUBW", "AND", "OR", "XOR", "SLT", "SLTU", "MUL", "MULH", "MULHU", "MULHSU", "MULW", "SLL", "SRL", "SRA", "SLLW", "SRLW", "SRAW", "DIV", "DIVU", "REM", "REMU", "DIVW", "DIVUW", "REMW", "REMUW"}

func (o Op) String() string {
	if o == 0 || o >= numOps {
		return fmt.Sprintf("Op(%d)", uint8(o))
	}
	return opNames[o]
}

// Event is one ALU operation as the executor records it: the operation and its two 64-bit
// operands (registers or the sign-extended immediate). The result is not recorded: trace
// generation recomputes it, and the chips prove it.
type Event struct {
	Op   Op
	A, B uint64
}

// ErrUnknownOp marks an event whose operation no chip proves.
var ErrUnknownOp = errors.New("rv64: unknown ALU operation")

// Eval is the RISC-V semantics of op (RV64I/M, unprivileged spec ch. 4 and 13), the reference the
// chips are tested against.
func Eval(op Op, a, b uint64) (uint64, error) {
	sext32 := func(x uint64) uint64 { return uint64(int64(int32(uint32(x)))) }
	switch op {
	case OpADD:
		return a + b, nil
	case OpSUB:
		return a - b, nil
	case OpADDW:
		return sext32(a + b), nil
	case OpSUBW:
		return sext32(a - b), nil
	case OpAND:
		return a & b, nil
	case OpOR:
		return a | b, nil
	case OpXOR:
		return a ^ b, nil
	case OpSLT:
		if int64(a) < int64(b) {
			return 1, nil
		}
		return 0, nil
	case OpSLTU:
		if a < b {
			return 1, nil
		}
		return 0, nil
	case OpMUL:
		return a * b, nil
	case OpMULH:
		hi, _ := mulSigned(int64(a), int64(b))
		return hi, nil
	case OpMULHU:
		hi, _ := bits.Mul64(a, b)
		return hi, nil
	case OpMULHSU:
		hi, _ := mulSU(int64(a), b)
		return hi, nil
	case OpMULW:
		return sext32(a * b), nil
	case OpSLL:
		return a << (b & 63), nil
	case OpSRL:
		return a >> (b & 63), nil
	case OpSRA:
		return uint64(int64(a) >> (b & 63)), nil
	case OpSLLW:
		return sext32(a << (b & 31)), nil
	case OpSRLW:
		return sext32(uint64(uint32(a) >> (b & 31))), nil
	case OpSRAW:
		return uint64(int64(int32(uint32(a)) >> (b & 31))), nil
	case OpDIV, OpREM, OpDIVW, OpREMW:
		x, y := int64(a), int64(b)
		if op == OpDIVW || op == OpREMW {
			x, y = int64(int32(uint32(a))), int64(int32(uint32(b)))
		}
		q, r := int64(-1), x // division by zero (spec table 13.1)
		switch {
		case y == -1 && x == math.MinInt64:
			q, r = x, 0 // overflow
		case y != 0:
			q, r = x/y, x%y
		}
		v := uint64(q)
		if op == OpREM || op == OpREMW {
			v = uint64(r)
		}
		if op == OpDIVW || op == OpREMW {
			v = sext32(v)
		}
		return v, nil
	case OpDIVU, OpREMU, OpDIVUW, OpREMUW:
		x, y := a, b
		if op == OpDIVUW || op == OpREMUW {
			x, y = uint64(uint32(a)), uint64(uint32(b))
		}
		q, r := ^uint64(0), x
		if y != 0 {
			q, r = x/y, x%y
		}
		v := q
		if op == OpREMU || op == OpREMUW {
			v = r
		}
		if op == OpDIVUW || op == OpREMUW {
			v = sext32(v)
		}
		return v, nil
	}
	return 0, fmt.Errorf("%w: %d", ErrUnknownOp, op)
}

// mulSigned and mulSU correct the unsigned high word for negative operands: as a two's
// complement value, a negative x is x + 2^64, so the high word gains the other operand once.
func mulSigned(a, b int64) (hi, lo uint64) {
	hi, lo = bits.Mul64(uint64(a), uint64(b))
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	return hi, lo
}

func mulSU(a int64, b uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(uint64(a), b)
	if a < 0 {
		hi -= b
	}
	return hi, lo
}
