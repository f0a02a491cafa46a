// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IOutputVerifier
/// @notice Checks that a proof shows the L2 state transition from `prevOutputRoot` to `newOutputRoot`
///         (ending at L2 block `l2BlockNumber`) under the guest program `imageId` and the chain rules
///         `configHash`. It reverts when the proof does not check and returns nothing otherwise.
interface IOutputVerifier {
    function verify(
        bytes32 imageId,
        bytes32 configHash,
        bytes32 prevOutputRoot,
        bytes32 newOutputRoot,
        uint256 l2BlockNumber,
        bytes calldata proof
    ) external view;
}

/// @notice Optional marker a verifier implements to say it accepts insecure development receipts.
///         The oracle asks every verifier; one that does not implement it counts as not dev.
interface IDevMarker {
    function isDev() external view returns (bool);
}
