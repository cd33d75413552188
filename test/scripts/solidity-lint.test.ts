import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT, runToEnd, spawnNode } from "@gitblock/testkit";

const HEADER = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n\n";

/** A contract in the codebase's layout (4 spaces, 120 columns, a long header breaks before its attributes) and
 * idioms (custom errors, mixedCase immutables, a constructor without visibility, `@inheritdoc`, no `@author`). */
const CODEBASE_STYLE = `${HEADER}/// @title ICounter
/// @notice Counts.
interface ICounter {
    /// @notice \`by\` was added; the count is now \`count\`.
    event Added(uint256 by, uint256 count);

    /// @notice Adds \`by\`.
    function add(uint256 by) external;
}

/// @title Counter
/// @notice Counts for its owner.
contract Counter is ICounter {
    /// @notice Who may add.
    address public immutable owner;
    uint256 private _count;

    error NotOwner(address caller);

    constructor(address owner_) {
        owner = owner_;
    }

    /// @inheritdoc ICounter
    function add(uint256 by) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _count += by;
        emit Added(by, _count);
    }

    /// @notice The count plus four amounts.
    function plusFour(uint256 firstAmount, uint256 secondAmount, uint256 thirdAmount, uint256 fourthAmount)
        external
        view
        returns (uint256)
    {
        return _count + firstAmount + secondAmount + thirdAmount + fourthAmount;
    }
}
`;

function solidityFile(name: string, source: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gitblock-sol-lint-")), name);
  writeFileSync(file, source);
  return file;
}

const forgeFmt = (...args: string[]) => runToEnd(spawnNode("scripts/lint/forge-fmt.ts", args));
// solhint refuses a path outside its working directory, so it runs in the file's folder.
const solhint = (file: string) =>
  runToEnd(
    spawnNode(
      "node_modules/solhint/solhint.js",
      [
        "--disc",
        "--noPoster",
        "--max-warnings",
        "0",
        "-f",
        "unix",
        "-c",
        path.join(REPO_ROOT, ".solhint.json"),
        path.basename(file),
      ],
      process.env,
      path.dirname(file),
    ),
  );

describe("Solidity formatting (forge fmt, npm run lint / npm run format)", () => {
  it("accepts the codebase's layout", async () => {
    const { code, output } = await forgeFmt("--check", solidityFile("Counter.sol", CODEBASE_STYLE));
    assert.equal(code, 0, output);
  });

  it("fails --check on a file in another layout, naming it (forge's own npm wrapper exits 0 here)", async () => {
    const file = solidityFile("Messy.sol", `${HEADER}contract Messy {\n  function f( uint256 a ) external {}\n}\n`);
    const { code, output } = await forgeFmt("--check", file);
    assert.equal(code, 1, output);
    assert.match(output, /Diff in .*Messy\.sol/);
  });

  it("rewrites a file into the codebase's layout without --check", async () => {
    const params = "uint256 firstAmount, uint256 secondAmount, uint256 thirdAmount, uint256 fourthAmount";
    const oneLine = CODEBASE_STYLE.replace(
      /function plusFour\([^{]*\{/,
      `function plusFour(${params}) external view returns (uint256) {`,
    );
    assert.notEqual(oneLine, CODEBASE_STYLE);
    const file = solidityFile("Counter.sol", oneLine);
    const { code, output } = await forgeFmt(file);
    assert.equal(code, 0, output);
    assert.equal(readFileSync(file, "utf8"), CODEBASE_STYLE);
  });
});

describe("Solidity lint (solhint with .solhint.json, npm run lint)", () => {
  it("accepts the codebase's idioms", async () => {
    const { code, output } = await solhint(solidityFile("Counter.sol", CODEBASE_STYLE));
    assert.equal(code, 0, output);
  });

  it("refuses tx.origin, a revert string and an undocumented external function", async () => {
    const wallet = `${HEADER}/// @title Wallet
/// @notice Pays its owner.
contract Wallet {
    /// @notice Who is paid.
    address public owner;

    function pay(uint256 amount) external {
        require(tx.origin == owner, "only the owner");
        payable(owner).transfer(amount);
    }
}
`;
    const { code, output } = await solhint(solidityFile("Wallet.sol", wallet));
    assert.equal(code, 1, output);
    for (const rule of ["avoid-tx-origin", "gas-custom-errors", "use-natspec"]) assert.match(output, new RegExp(rule));
  });
});
