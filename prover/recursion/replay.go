package recursion

// proofDomain is prover/stark's transcript domain for proofs (newProofTranscript).
const proofDomain = "zkexex/stark/proof"

// ReplayChallenges is stark.Verify's Fiat-Shamir replay up to the DEEP step for a child proof of
// shape s (fixed by the program: a recursion VK verifies one child shape) whose key has digest
// vkDigest: the preamble (the VK digest, the parameters, the heights, the public values), the
// main root, the LogUp grinding (asserted), β and γ, the LogUp totals and the LogUp root, α, the
// quotient root, ζ, the openings, and the DEEP step's α. It returns the challenges and the
// transcript, positioned where FRI continues. TestCheckOutOfDomain pins the challenges to
// stark.ProofChallenges.
//
// stark resamples ζ until it lies outside F (probability 2^-93 per draw that it does not). A
// program cannot loop, so it asserts the first draw is outside F (ζ minus its first limb has an
// inverse): a child whose first draw falls in F cannot be recursed, which costs completeness
// 2^-93 and no soundness.
func (b *Builder) ReplayChallenges(s ChildShape, vkDigest Digest, public []Felt, p *StarkProof) (ChildChallenges, Ext, *Transcript) {
	var ch ChildChallenges
	if s.VK == nil {
		b.fail("no child key")
		return ch, Ext{}, nil
	}
	vk, params, logH := s.VK, s.Params, s.LogHeights
	tables := len(vk.AIR().Tables())
	if p == nil {
		b.fail("no child proof")
		return ch, Ext{}, nil
	}
	if len(logH) != tables || len(p.LogUpSums) != tables || len(p.Openings) != tables || len(public) != vk.AIR().NumPublic() {
		b.fail("child proof of %d heights, %d LogUp totals, %d openings and %d public values for %d tables and %d public values",
			len(logH), len(p.LogUpSums), len(p.Openings), len(public), tables, vk.AIR().NumPublic())
		return ch, Ext{}, nil
	}
	t := b.NewTranscript(proofDomain)
	t.ObserveLabel("vk")
	t.ObserveDigest(vkDigest)
	t.ObserveLabel("params")
	for _, v := range []int{params.LogBlowup, params.NumQueries, params.PoWBits, params.LogFinalPolyLen, params.LogUpPoWBits} {
		t.ObserveUint(uint64(v))
	}
	t.ObserveLabel("heights")
	t.ObserveUint(uint64(len(logH)))
	for _, h := range logH {
		t.ObserveUint(uint64(h))
	}
	t.ObserveLabel("public")
	t.ObserveUint(uint64(len(public)))
	t.ObserveBase(public...)

	t.ObserveLabel("main")
	t.ObserveDigest(p.MainRoot)
	t.ObserveLabel("logup")
	t.CheckPoW(params.LogUpPoWBits, p.LogUpPoWNonce)
	ch.Beta, ch.Gamma = t.SampleExt(), t.SampleExt()
	t.ObserveExt(p.LogUpSums...)
	t.ObserveDigest(p.PermRoot)
	t.ObserveLabel("quotient")
	ch.Alpha = t.SampleExt()
	t.ObserveDigest(p.QuotRoot)
	t.ObserveLabel("zeta")
	var z [4]Felt
	for j := range z {
		z[j] = t.SampleBase()
	}
	ch.Zeta = b.Pack(z)
	b.ExtInv(b.ExtSub(ch.Zeta, b.Lift(z[0])))
	t.ObserveLabel("openings")
	for i := range p.Openings {
		o := &p.Openings[i]
		for pt := range 2 {
			t.ObserveExt(o.Pre[pt]...)
			t.ObserveExt(o.Main[pt]...)
			t.ObserveExt(o.Perm[pt]...)
			t.ObserveExt(o.Quot[pt]...)
		}
	}
	t.ObserveLabel("deep")
	return ch, t.SampleExt(), t
}

// CheckOutOfDomain is the child proof's checks before FRI: the challenges replayed from its
// transcript (ReplayChallenges), the LogUp totals summing to zero (the buses balance) with a zero
// total for every table without interactions, and every table's constraints at ζ
// (ConstraintCheck). It returns the DEEP step's α and the transcript
// for FRI.
func (b *Builder) CheckOutOfDomain(s ChildShape, vkDigest Digest, public []Felt, p *StarkProof) (ChildChallenges, Ext, *Transcript) {
	ch, deepAlpha, t := b.ReplayChallenges(s, vkDigest, public, p)
	if t == nil {
		return ch, deepAlpha, nil
	}
	total := p.LogUpSums[0]
	for _, s := range p.LogUpSums[1:] {
		total = b.ExtAdd(total, s)
	}
	zero := b.ConstExt(E{})
	b.AssertEqExt(total, zero)
	for i := range p.Openings {
		view, err := s.VK.ConstraintView(i)
		if err != nil {
			b.fail("%v", err)
			return ch, deepAlpha, nil
		}
		if view.NumPerm == 0 {
			// Its constraints never read the total, so only this keeps it out of the balance.
			b.AssertEqExt(p.LogUpSums[i], zero)
		}
		b.ConstraintCheck(view, s.LogHeights[i], &p.Openings[i], public, p.LogUpSums[i], ch)
	}
	return ch, deepAlpha, t
}
