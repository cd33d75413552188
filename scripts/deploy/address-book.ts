// deployments/address-book.schema.json applied to a book before the deploy writes it: a book the relayer and the dApp
// would refuse is never written.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Deployment } from "@gitblock/sdk/deployments";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

const schemaFile = path.resolve(import.meta.dirname, "../../deployments/address-book.schema.json");
const validate: ValidateFunction<unknown> = new Ajv2020({ strict: true, allErrors: true }).compile(
  JSON.parse(readFileSync(schemaFile, "utf8")),
);

export class AddressBookSchemaError extends Error {
  override name = "AddressBookSchemaError";
}

export function validateAddressBook(book: Deployment): void {
  if (validate(book as unknown)) return;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
  throw new AddressBookSchemaError(`the address book for ${book.network} does not match ${schemaFile}: ${errors}`);
}
