// deployments/address-book.schema.json against what writes address books (the deploy task), what reads them (the
// sdk's `Deployment`), the example in deployments/README.md and every book committed under deployments/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { deploy } from "@gitblock/deploy/task";
import type { Deployment } from "@gitblock/sdk/deployments";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { network } from "hardhat";
import ts from "typescript";
import { collectingLog, TEST_DEPLOY_ARGUMENTS as defaults } from "./task-arguments.ts";

const root = path.resolve(import.meta.dirname, "../..");
const deploymentsDir = path.join(root, "deployments");
const schemaFile = path.join(deploymentsDir, "address-book.schema.json");

interface SchemaNode {
  type?: string;
  $ref?: string;
  pattern?: string;
  items?: SchemaNode;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean;
}

const schema = JSON.parse(await readFile(schemaFile, "utf8")) as SchemaNode & {
  $schema: string;
  $defs: Record<string, SchemaNode>;
};

const explain = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`).join("\n");

const clone = <T>(value: T): T => structuredClone(value);

/** The members of an interface or type literal in `file`, following references to interfaces declared there. */
type Shape = Map<string, { optional: boolean; type: ts.TypeNode }>;
function membersOf(file: ts.SourceFile, node: ts.Node): Shape {
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(file);
    const declaration = file.statements.find(
      (s): s is ts.InterfaceDeclaration | ts.TypeAliasDeclaration =>
        (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === name,
    );
    assert.ok(declaration, `${name} is declared in ${file.fileName}`);
    return membersOf(file, declaration);
  }
  if (ts.isTypeAliasDeclaration(node)) return membersOf(file, node.type);
  const members = ts.isInterfaceDeclaration(node) || ts.isTypeLiteralNode(node) ? node.members : undefined;
  assert.ok(members, `an object type in ${file.fileName}: ${node.getText(file)}`);
  const shape: Shape = new Map();
  for (const member of members) {
    assert.ok(ts.isPropertySignature(member) && member.type, `a plain property: ${member.getText(file)}`);
    shape.set(member.name.getText(file), { optional: Boolean(member.questionToken), type: member.type });
  }
  return shape;
}

const deref = (node: SchemaNode): SchemaNode => {
  if (!node.$ref) return node;
  const name = node.$ref.replace(/^#\/\$defs\//, "");
  const target = schema.$defs[name];
  assert.ok(target, `${node.$ref} is defined`);
  return deref(target);
};

/** What JSON the TypeScript type allows, in the schema's words. */
function expectedKind(file: ts.SourceFile, type: ts.TypeNode): string {
  const text = type.getText(file).replace(/\s+/g, "");
  if (text === "number") return "integer";
  if (text === "string") return "string";
  if (text === "Address") return "address";
  if (text === "Address[]") return "address[]";
  if (ts.isTemplateLiteralTypeNode(type) && type.head.text === "0x") return "hex";
  return "object";
}
function schemaKind(node: SchemaNode): string {
  const n = deref(node);
  if (n.type === "array" && n.items) return `${schemaKind(n.items)}[]`;
  if (n.type === "string" && n.pattern === "^0x[0-9a-fA-F]{40}$") return "address";
  if (n.type === "string" && n.pattern?.startsWith("^0x[0-9a-fA-F]")) return "hex";
  return n.type ?? "?";
}

/** Fails unless `node` lists exactly the members of `shape`, requires the non-optional ones and allows no others. */
function assertAgrees(file: ts.SourceFile, shape: Shape, node: SchemaNode, where: string) {
  const n = deref(node);
  assert.equal(n.type, "object", `${where} is an object`);
  assert.equal(n.additionalProperties, false, `${where} allows no other properties`);
  assert.deepEqual(Object.keys(n.properties ?? {}).sort(), [...shape.keys()].sort(), `${where}: the same fields`);
  const required = [...shape].filter(([, m]) => !m.optional).map(([name]) => name);
  assert.deepEqual([...(n.required ?? [])].sort(), required.sort(), `${where}: the same required fields`);
  for (const [name, member] of shape) {
    const property = n.properties?.[name];
    assert.ok(property);
    const kind = expectedKind(file, member.type);
    assert.equal(schemaKind(property), kind, `${where}.${name}: ${member.type.getText(file)}`);
    if (kind === "object") assertAgrees(file, membersOf(file, member.type), property, `${where}.${name}`);
  }
}

describe("deployments/address-book.schema.json", () => {
  let validate: ValidateFunction;
  let book: Deployment;

  before(async () => {
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    // strict: an unknown keyword, format or a typo in the schema throws here.
    validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    const outDir = await mkdtemp(path.join(tmpdir(), "gitblock-address-book-"));
    const connection = await network.create();
    await deploy({ ...defaults, outDir }, connection, collectingLog().log);
    book = JSON.parse(await readFile(path.join(outDir, `${connection.networkName}.json`), "utf8")) as Deployment;
  });

  it("accepts the address book the deploy task writes", () => {
    assert.ok(validate(book), explain(validate.errors));
    // Contracts and role holders are checksummed addresses, as the deploy writes them.
    assert.match(book.contracts.rewardsVault, /^0x[0-9a-fA-F]{40}$/);
  });

  it("rejects a book with a missing field, a bad address, a bad hex value or an unknown field", () => {
    const cases: Array<[what: string, at: string[], value: unknown, error: RegExp]> = [
      ["no chainId", ["chainId"], undefined, /must have required property 'chainId'/],
      ["no rewardsVault", ["contracts", "rewardsVault"], undefined, /\/contracts must have required property/],
      ["no relayers", ["parameters", "relayers"], undefined, /must have required property 'relayers'/],
      ["short token address", ["contracts", "token"], "0x1234", /\/contracts\/token must match pattern/],
      ["non-hex address", ["contracts", "treasury"], `0x${"zz".repeat(20)}`, /\/contracts\/treasury must match/],
      ["bad relayer", ["parameters", "relayers"], ["0xnope"], /\/parameters\/relayers\/0 must match pattern/],
      ["no guardians", ["parameters", "guardians"], [], /\/parameters\/guardians must NOT have fewer/],
      ["short root", ["parameters", "airdropRoot"], "0xabcd", /\/parameters\/airdropRoot must match/],
      ["numeric emission", ["parameters", "maxEmissionPerEpoch"], 1e24, /maxEmissionPerEpoch must be string/],
      ["fractional block", ["deployBlock"], 1.5, /\/deployBlock must be integer/],
      ["local date", ["deployedAt"], "2025-01-01 12:00", /\/deployedAt must match pattern/],
      ["unknown field", ["contracts", "oracle"], book.contracts.token, /must NOT have additional properties/],
    ];
    for (const [what, at, value, error] of cases) {
      const broken = clone(book);
      const key = at.at(-1) ?? "";
      const parent = at
        .slice(0, -1)
        .reduce<Record<string, unknown>>(
          (node, k) => node[k] as Record<string, unknown>,
          broken as unknown as Record<string, unknown>,
        );
      if (value === undefined) delete parent[key];
      else parent[key] = value;
      assert.equal(validate(broken), false, `${what}: rejected`);
      assert.match(explain(validate.errors), error, what);
    }
  });

  it("describes exactly the fields of the sdk's Deployment, which relayer and dApp read", async () => {
    const source = fileURLToPath(import.meta.resolve("@gitblock/sdk/deployments"));
    const file = ts.createSourceFile(source, await readFile(source, "utf8"), ts.ScriptTarget.Latest, true);
    const deployment = file.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === "Deployment");
    assert.ok(deployment, `interface Deployment in ${source}`);
    assertAgrees(file, membersOf(file, deployment), schema, "Deployment");
  });

  it("accepts the example in deployments/README.md", async () => {
    const readme = await readFile(path.join(deploymentsDir, "README.md"), "utf8");
    const example = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, "deployments/README.md has a ```json example");
    const parsed = JSON.parse(example) as unknown;
    assert.ok(validate(parsed), explain(validate.errors));
  });

  it("accepts every address book committed under deployments/, and git keeps the folder", async (t) => {
    const git = (...args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" });
    if (git("rev-parse", "--is-inside-work-tree").status !== 0) {
      t.diagnostic("not a git checkout: checking every <network>.json in deployments/ instead");
    } else {
      // The schema and README are kept; the books of local networks (fresh chains) are ignored.
      for (const kept of ["deployments/README.md", "deployments/address-book.schema.json"]) {
        assert.equal(git("check-ignore", "-q", kept).status, 1, `${kept} is not ignored`);
      }
      for (const local of ["deployments/localhost.json", "deployments/default.json"]) {
        assert.equal(git("check-ignore", "-q", local).status, 0, `${local} is ignored`);
      }
    }
    const tracked = git("ls-files", "-z", "deployments");
    const names =
      tracked.status === 0
        ? tracked.stdout
            .split("\0")
            .filter(Boolean)
            .map((f) => path.basename(f))
        : await readdir(deploymentsDir);
    for (const name of names.filter((n) => /^[^.]+\.json$/.test(n))) {
      const committed = JSON.parse(await readFile(path.join(deploymentsDir, name), "utf8")) as Deployment;
      assert.ok(validate(committed), `deployments/${name}:\n${explain(validate.errors)}`);
      assert.equal(`${committed.network}.json`, name, `deployments/${name} is named after its network`);
    }
  });
});
