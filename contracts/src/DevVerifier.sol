// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOutputVerifier, IDevMarker} from "./IOutputVerifier.sol";

/// @title DevVerifier
/// @notice INSECURE. Accepts development receipts: proofs with no seal that merely restate their claim.
///         Anyone can forge one, so this verifier exists only for local devnets and tests. It cannot be
///         deployed without `acknowledgeInsecure == true`, and the L2OutputOracle refuses it unless the
///         oracle itself was deployed with `allowDevVerifier == true`.
/// @dev A dev receipt is exactly
///      abi.encode(DEV_TAG, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber)
///      (192 bytes); any other length or content is rejected.
contract DevVerifier is IOutputVerifier, IDevMarker {
    /// @notice Domain tag of a dev receipt: keccak256("zkexex.dev-receipt.v1").
    bytes32 public constant DEV_TAG = keccak256("zkexex.dev-receipt.v1");

    /// @notice The deployer did not acknowledge that this verifier is insecure.
    error InsecureNotAcknowledged();

    /// @notice The proof is not the dev receipt for the given arguments.
    error InvalidDevReceipt();

    constructor(bool acknowledgeInsecure) {
        if (!acknowledgeInsecure) revert InsecureNotAcknowledged();
    }

    /// @inheritdoc IDevMarker
    function isDev() external pure returns (bool) {
        return true;
    }

    /// @inheritdoc IOutputVerifier
    function verify(
        bytes32 imageId,
        bytes32 configHash,
        bytes32 prevOutputRoot,
        bytes32 newOutputRoot,
        uint256 l2BlockNumber,
        bytes calldata proof
    ) external pure {
        bytes memory expected = abi.encode(DEV_TAG, imageId, configHash, prevOutputRoot, newOutputRoot, l2BlockNumber);
        // Comparing hashes of the whole byte strings also pins the length.
        if (proof.length != expected.length || keccak256(proof) != keccak256(expected)) revert InvalidDevReceipt();
    }
}
