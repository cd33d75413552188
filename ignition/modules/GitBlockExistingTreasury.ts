// The protocol around an existing treasury (`npm run deploy -- --treasury <multisig>`), for Ignition's own CLI.
export { gitBlockExistingTreasuryModule as default } from "@gitblock/deploy/ignition-modules";
