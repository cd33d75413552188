// The protocol with a new GitBlockTreasury timelock, for Ignition's own CLI (`npx hardhat ignition status <network>`,
// `visualize`); deploy it with `npm run deploy`, which checks every parameter first. Defined in @gitblock/deploy.
export { gitBlockModule as default } from "@gitblock/deploy/ignition-modules";
