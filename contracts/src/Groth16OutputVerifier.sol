// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOutputVerifier, IDevMarker} from "./IOutputVerifier.sol";

/// @notice gnark's exported Groth16 verifier (prover/wrap.ExportSolidity) for the wrap circuit's
///         verifying key. It reverts when the proof does not check.
interface IGroth16Verifier {
    function verifyProof(bytes calldata proof, uint256[2] calldata input) external view;
}

/// @title Groth16OutputVerifier
/// @notice Verifies a span proof wrapped in Groth16 on BN254 (issue 13). The wrap circuit has two
///         public inputs: the packed root of the verifying-key set its STARK verifier accepted, held
///         here, and the claim digest, recomputed here from verify()'s arguments, so a proof
///         verifies only for the exact (imageId, configHash, prevOutputRoot, newOutputRoot,
///         l2BlockNumber) it was made for. The claim digest is
///         sha256(abi.encode(imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber))
///         with its top three bits cleared (prover/wrap.ClaimDigest).
/// @dev    Keys from a dev setup (one party knew the toxic waste) make this verifier a dev
///         verifier: `isDev()` is true and an L2OutputOracle refuses it unless deployed for dev
///         mode. The proof is gnark's MarshalSolidity encoding, of a fixed length per circuit.
contract Groth16OutputVerifier is IOutputVerifier, IDevMarker {
    /// @notice The scalar field modulus of BN254: public inputs are below it.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Mask clearing the claim digest's top three bits (so that it is below R).
    uint256 internal constant CLAIM_MASK = (uint256(1) << 253) - 1;

    /// @notice gnark's verifier for the wrap circuit's key.
    IGroth16Verifier public immutable groth16Verifier;
    /// @notice Public input 1: the verifying-key set root, packed into one field element.
    uint256 public immutable keySetRoot;
    /// @notice Length of an encoded proof: 256 bytes, plus 64 per commitment and 64 for their
    ///         proof of knowledge when the circuit has commitments.
    uint256 public immutable proofLength;
    bool internal immutable dev;

    error InvalidParams(string what);
    /// @notice The proof is not `want` bytes long.
    error ProofLengthMismatch(uint256 got, uint256 want);

    // The errors of gnark's exported verifier, declared here too so that its reverts, which
    // verify() passes through, decode against this contract's ABI.
    error ProofInvalid();
    error PublicInputNotInField();
    error CommitmentInvalid();

    /// @param verifier     gnark's verifier contract.
    /// @param keySetRoot_  The packed key-set root the wrap circuit checks against (< R).
    /// @param proofLength_ The encoded proof length of the circuit.
    /// @param dev_         True for keys from a dev setup.
    constructor(IGroth16Verifier verifier, uint256 keySetRoot_, uint256 proofLength_, bool dev_) {
        if (address(verifier).code.length == 0) revert InvalidParams("verifier");
        if (keySetRoot_ >= R) revert InvalidParams("keySetRoot");
        if (proofLength_ != 256 && (proofLength_ < 384 || proofLength_ % 64 != 0)) {
            revert InvalidParams("proofLength");
        }
        groth16Verifier = verifier;
        keySetRoot = keySetRoot_;
        proofLength = proofLength_;
        dev = dev_;
    }

    /// @inheritdoc IDevMarker
    function isDev() external view returns (bool) {
        return dev;
    }

    /// @notice Public input 2 for a proposal.
    function claimDigest(
        bytes32 imageId,
        bytes32 configHash,
        bytes32 prevOutputRoot,
        bytes32 newOutputRoot,
        uint256 l2BlockNumber
    ) public pure returns (uint256) {
        return uint256(sha256(abi.encode(imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber)))
            & CLAIM_MASK;
    }

    /// @inheritdoc IOutputVerifier
    function verify(
        bytes32 imageId,
        bytes32 configHash,
        bytes32 prevOutputRoot,
        bytes32 newOutputRoot,
        uint256 l2BlockNumber,
        bytes calldata proof
    ) external view {
        if (proof.length != proofLength) revert ProofLengthMismatch(proof.length, proofLength);
        uint256[2] memory input = [keySetRoot, claimDigest(imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber)];
        groth16Verifier.verifyProof(proof, input);
    }
}
