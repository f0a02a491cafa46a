// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOutputVerifier, IDevMarker} from "./IOutputVerifier.sol";

/// @title L2OutputOracle
/// @notice Stores a sequence of L2 output roots, one every `submissionInterval` L2 blocks, each accepted
///         only with a validity proof checked by `verifier` against the previous output root, the guest
///         program `imageId` and the chain rules `configHash`. The external interface follows Optimism's
///         L2OutputOracle (proposer and challenger roles, finalization window, OutputProposed and
///         OutputsDeleted events) with a proof argument added to proposeL2Output.
contract L2OutputOracle {
    /// @notice One proposed output.
    /// @custom:field outputRoot    Output root (version 0) of the L2 block.
    /// @custom:field timestamp     L1 timestamp at which the output was proposed.
    /// @custom:field l2BlockNumber L2 block number the output root commits to.
    struct OutputProposal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
    }

    /// @notice Constructor parameters (a struct keeps the constructor below the stack limit).
    struct Params {
        uint256 submissionInterval;
        uint256 l2BlockTime;
        uint256 startingBlockNumber;
        uint256 startingTimestamp;
        bytes32 startingOutputRoot;
        address proposer;
        address challenger;
        uint256 finalizationPeriodSeconds;
        IOutputVerifier verifier;
        bytes32 imageId;
        bytes32 configHash;
        bool allowDevVerifier;
    }

    /// @notice Number of L2 blocks between two outputs.
    uint256 public immutable submissionInterval;
    /// @notice Seconds between two L2 blocks.
    uint256 public immutable l2BlockTime;
    /// @notice The L2 block the first output builds on.
    uint256 public immutable startingBlockNumber;
    /// @notice Timestamp of `startingBlockNumber`.
    uint256 public immutable startingTimestamp;
    /// @notice Output root of `startingBlockNumber`: the previous root of the first proposal.
    bytes32 public immutable startingOutputRoot;
    /// @notice The only address allowed to propose outputs.
    address public immutable proposer;
    /// @notice The only address allowed to delete non-finalized outputs.
    address public immutable challenger;
    /// @notice Seconds after its proposal during which an output can still be deleted.
    uint256 public immutable finalizationPeriodSeconds;
    /// @notice The proof verifier.
    IOutputVerifier public immutable verifier;
    /// @notice Image ID of the guest program whose execution the proofs attest.
    bytes32 public immutable imageId;
    /// @notice Hash of the L2 chain configuration (fork rules) the proofs were made under.
    bytes32 public immutable configHash;

    OutputProposal[] internal l2Outputs;

    /// @notice Emitted when an output is proposed.
    event OutputProposed(
        bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp
    );

    /// @notice Emitted when outputs from `newNextOutputIndex` on are deleted.
    event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex);

    error InvalidParams(string what);
    error DevVerifierNotAllowed();
    error NotProposer(address caller);
    error NotChallenger(address caller);
    error UnexpectedBlockNumber(uint256 expected, uint256 got);
    error L2TimestampInFuture(uint256 l2Timestamp, uint256 l1Timestamp);
    error ZeroOutputRoot();
    error L1BlockHashMismatch(uint256 l1BlockNumber, bytes32 expected, bytes32 actual);
    error ProofRejected(bytes reason);
    error NoOutputs();
    error OutputIndexOutOfRange(uint256 index, uint256 length);
    error OutputFinalized(uint256 index, uint256 proposedAt, uint256 finalizedAt);
    error NoOutputAfter(uint256 l2BlockNumber, uint256 latestBlockNumber);
    error BlockBeforeStart(uint256 l2BlockNumber, uint256 startingBlockNumber);

    constructor(Params memory p) {
        if (p.submissionInterval == 0) revert InvalidParams("submissionInterval");
        if (p.l2BlockTime == 0) revert InvalidParams("l2BlockTime");
        if (p.startingTimestamp > block.timestamp) revert InvalidParams("startingTimestamp");
        if (address(p.verifier).code.length == 0) revert InvalidParams("verifier");
        if (!p.allowDevVerifier && _isDev(address(p.verifier))) revert DevVerifierNotAllowed();

        submissionInterval = p.submissionInterval;
        l2BlockTime = p.l2BlockTime;
        startingBlockNumber = p.startingBlockNumber;
        startingTimestamp = p.startingTimestamp;
        startingOutputRoot = p.startingOutputRoot;
        proposer = p.proposer;
        challenger = p.challenger;
        finalizationPeriodSeconds = p.finalizationPeriodSeconds;
        verifier = p.verifier;
        imageId = p.imageId;
        configHash = p.configHash;
    }

    /// @notice Proposes the output root of L2 block `_l2BlockNumber` with a proof of the transition from
    ///         the latest output (or `startingOutputRoot`).
    /// @param _outputRoot    The L2 output root.
    /// @param _l2BlockNumber Must equal nextBlockNumber().
    /// @param _l1BlockHash   If non-zero, the hash of L1 block `_l1BlockNumber` the proposer built on; the
    ///                       proposal reverts if L1 reorged away from it (or it is older than 256 blocks).
    /// @param _l1BlockNumber The L1 block number of `_l1BlockHash`.
    /// @param _proof         The proof handed to `verifier`.
    function proposeL2Output(
        bytes32 _outputRoot,
        uint256 _l2BlockNumber,
        bytes32 _l1BlockHash,
        uint256 _l1BlockNumber,
        bytes calldata _proof
    ) external {
        if (msg.sender != proposer) revert NotProposer(msg.sender);
        uint256 expected = nextBlockNumber();
        if (_l2BlockNumber != expected) revert UnexpectedBlockNumber(expected, _l2BlockNumber);
        uint256 l2Timestamp = computeL2Timestamp(_l2BlockNumber);
        if (l2Timestamp >= block.timestamp) revert L2TimestampInFuture(l2Timestamp, block.timestamp);
        if (_outputRoot == bytes32(0)) revert ZeroOutputRoot();
        if (_l1BlockHash != bytes32(0)) {
            bytes32 actual = blockhash(_l1BlockNumber);
            if (actual != _l1BlockHash) revert L1BlockHashMismatch(_l1BlockNumber, _l1BlockHash, actual);
        }

        bytes32 prev = l2Outputs.length == 0 ? startingOutputRoot : l2Outputs[l2Outputs.length - 1].outputRoot;
        try verifier.verify(imageId, configHash, prev, _outputRoot, _l2BlockNumber, _proof) {}
        catch (bytes memory reason) {
            revert ProofRejected(reason);
        }

        emit OutputProposed(_outputRoot, l2Outputs.length, _l2BlockNumber, block.timestamp);
        l2Outputs.push(
            OutputProposal({
                outputRoot: _outputRoot,
                timestamp: uint128(block.timestamp),
                l2BlockNumber: uint128(_l2BlockNumber)
            })
        );
    }

    /// @notice Deletes the output at `_l2OutputIndex` and every later one. Only the challenger may, and
    ///         only while the output is inside its finalization window.
    function deleteL2Outputs(uint256 _l2OutputIndex) external {
        if (msg.sender != challenger) revert NotChallenger(msg.sender);
        uint256 length = l2Outputs.length;
        if (_l2OutputIndex >= length) revert OutputIndexOutOfRange(_l2OutputIndex, length);
        uint256 proposedAt = l2Outputs[_l2OutputIndex].timestamp;
        if (block.timestamp - proposedAt >= finalizationPeriodSeconds) {
            revert OutputFinalized(_l2OutputIndex, proposedAt, proposedAt + finalizationPeriodSeconds);
        }
        // Shrinking the length is enough: entries past it are unreachable and a later push overwrites
        // every field of its slot.
        assembly {
            sstore(l2Outputs.slot, _l2OutputIndex)
        }
        emit OutputsDeleted(length, _l2OutputIndex);
    }

    /// @notice The output at `_l2OutputIndex`.
    function getL2Output(uint256 _l2OutputIndex) external view returns (OutputProposal memory) {
        if (_l2OutputIndex >= l2Outputs.length) revert OutputIndexOutOfRange(_l2OutputIndex, l2Outputs.length);
        return l2Outputs[_l2OutputIndex];
    }

    /// @notice Index of the first output whose L2 block number is at least `_l2BlockNumber`.
    function getL2OutputIndexAfter(uint256 _l2BlockNumber) public view returns (uint256) {
        uint256 length = l2Outputs.length;
        if (length == 0) revert NoOutputs();
        uint256 latest = l2Outputs[length - 1].l2BlockNumber;
        if (_l2BlockNumber > latest) revert NoOutputAfter(_l2BlockNumber, latest);
        // Block numbers strictly increase with the index, so binary search.
        uint256 lo = 0;
        uint256 hi = length - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (l2Outputs[mid].l2BlockNumber < _l2BlockNumber) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /// @notice The first output whose L2 block number is at least `_l2BlockNumber`.
    function getL2OutputAfter(uint256 _l2BlockNumber) external view returns (OutputProposal memory) {
        return l2Outputs[getL2OutputIndexAfter(_l2BlockNumber)];
    }

    /// @notice Index of the latest output; reverts with NoOutputs when there is none.
    function latestOutputIndex() external view returns (uint256) {
        if (l2Outputs.length == 0) revert NoOutputs();
        return l2Outputs.length - 1;
    }

    /// @notice Index the next output will get.
    function nextOutputIndex() public view returns (uint256) {
        return l2Outputs.length;
    }

    /// @notice L2 block number of the latest output, or `startingBlockNumber` when there is none.
    function latestBlockNumber() public view returns (uint256) {
        uint256 length = l2Outputs.length;
        return length == 0 ? startingBlockNumber : l2Outputs[length - 1].l2BlockNumber;
    }

    /// @notice The L2 block number the next output must be for.
    function nextBlockNumber() public view returns (uint256) {
        return latestBlockNumber() + submissionInterval;
    }

    /// @notice The output root the next proposal's proof must start from.
    function latestOutputRoot() external view returns (bytes32) {
        uint256 length = l2Outputs.length;
        return length == 0 ? startingOutputRoot : l2Outputs[length - 1].outputRoot;
    }

    /// @notice Timestamp of L2 block `_l2BlockNumber`, from the fixed L2 block time.
    function computeL2Timestamp(uint256 _l2BlockNumber) public view returns (uint256) {
        if (_l2BlockNumber < startingBlockNumber) revert BlockBeforeStart(_l2BlockNumber, startingBlockNumber);
        return startingTimestamp + (_l2BlockNumber - startingBlockNumber) * l2BlockTime;
    }

    function _isDev(address v) private view returns (bool) {
        (bool ok, bytes memory ret) = v.staticcall(abi.encodeCall(IDevMarker.isDev, ()));
        // A verifier without isDev (call fails or returns no word) is not a dev verifier; any non-zero
        // word counts as true so an odd encoding cannot sneak a dev verifier past the check.
        return ok && ret.length >= 32 && abi.decode(ret, (uint256)) != 0;
    }
}
