// Who can do what after a deployment, read from the chain itself: every `*_ROLE` of every AccessControl contract the
// deployment made (holders from their RoleGranted events, each confirmed with `hasRole` now) and every `owner()`.
// The deploy task prints it and fails when the deployer holds any of them.
import { type Abi, type AbiEvent, type Address, getAddress, type Hex, type PublicClient, zeroAddress } from "viem";
import { RepositoryArtifactResolver } from "./artifact-resolver.ts";

export interface RoleRow {
  contract: string;
  address: Address;
  role: string;
  holders: Address[];
}

export interface DeployedContract {
  /** The contract's name in artifacts/ (its ABI says which roles it has). */
  name: string;
  address: Address;
}

const roleGranted: AbiEvent = {
  type: "event",
  name: "RoleGranted",
  inputs: [
    { name: "role", type: "bytes32", indexed: true },
    { name: "account", type: "address", indexed: true },
    { name: "sender", type: "address", indexed: true },
  ],
};

const roleNames = (abi: Abi): string[] =>
  abi.flatMap((item) =>
    item.type === "function" && item.name.endsWith("_ROLE") && item.inputs.length === 0 ? [item.name] : [],
  );
const hasOwner = (abi: Abi) => abi.some((item) => item.type === "function" && item.name === "owner");

export async function readRoleTable(
  publicClient: PublicClient,
  contracts: DeployedContract[],
  fromBlock: bigint,
): Promise<RoleRow[]> {
  const artifacts = new RepositoryArtifactResolver();
  const rows: RoleRow[] = [];
  for (const { name, address } of contracts) {
    const { abi } = (await artifacts.loadArtifact(name)) as { abi: Abi };
    const roles = roleNames(abi);
    if (roles.length > 0) {
      const grants = await publicClient.getLogs({ address, event: roleGranted, fromBlock, toBlock: "latest" });
      for (const role of roles) {
        const id = (await publicClient.readContract({ address, abi, functionName: role })) as Hex;
        const candidates = new Set(
          grants.flatMap((log) =>
            (log.args as { role?: Hex }).role === id ? [(log.args as { account: Address }).account] : [],
          ),
        );
        const holders: Address[] = [];
        for (const account of candidates) {
          if (await publicClient.readContract({ address, abi, functionName: "hasRole", args: [id, account] })) {
            holders.push(getAddress(account));
          }
        }
        rows.push({ contract: name, address, role, holders });
      }
    }
    if (hasOwner(abi)) {
      const owner = (await publicClient.readContract({ address, abi, functionName: "owner" })) as Address;
      rows.push({ contract: name, address, role: "owner", holders: [getAddress(owner)] });
    }
  }
  return rows;
}

export class DeployerHoldsRoleError extends Error {
  override name = "DeployerHoldsRoleError";
}

/** Fails when `deployer` holds any role of the table: as a listed holder, or by a direct `hasRole` (in case a grant's
 * log was missed). */
export async function assertDeployerHoldsNoRole(
  publicClient: PublicClient,
  table: RoleRow[],
  deployer: Address,
): Promise<void> {
  const artifacts = new RepositoryArtifactResolver();
  const held: RoleRow[] = [];
  for (const row of table) {
    if (row.holders.includes(getAddress(deployer))) {
      held.push(row);
    } else if (row.role !== "owner") {
      const { abi } = (await artifacts.loadArtifact(row.contract)) as { abi: Abi };
      const id = (await publicClient.readContract({ address: row.address, abi, functionName: row.role })) as Hex;
      const args = [id, deployer] as const;
      if (await publicClient.readContract({ address: row.address, abi, functionName: "hasRole", args })) held.push(row);
    }
  }
  if (held.length > 0) {
    throw new DeployerHoldsRoleError(
      `the deployer ${deployer} still holds ${held.map((row) => `${row.role} on ${row.contract} (${row.address})`).join(", ")}; revoke it through the treasury before using this deployment`,
    );
  }
}

/** The table as text, each address named when it is one of `labels` (the zero address: anyone). */
export function formatRoleTable(table: RoleRow[], labels: Record<string, string>): string {
  const label = (address: Address) =>
    address === zeroAddress ? `${address} (anyone)` : labels[address] ? `${address} (${labels[address]})` : address;
  const lines = table.map((row) => [row.contract, row.role, row.holders.map(label).join(", ") || "(nobody)"]);
  const header = ["contract", "role", "holders"];
  const widths = [0, 1].map((i) => Math.max(header[i]?.length ?? 0, ...lines.map((line) => line[i]?.length ?? 0)));
  const format = (line: string[]) => line.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ");
  return [format(header), ...lines.map(format)].join("\n");
}
