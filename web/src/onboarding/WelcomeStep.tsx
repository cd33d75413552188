/** Welcome and trust: what runs, what is sent, what is earned, and that the wallet stays yours. */
export function WelcomeStep({ onNext }: { onNext: () => void }) {
  return (
    <div data-testid="onboarding-welcome">
      <h2>Welcome to GitBlock</h2>
      <ul className="trust">
        <li>
          <strong>What runs:</strong> small AI tasks, in this tab, on your GPU (WebGPU) or CPU (WebAssembly), only while
          the tab is open and only within the limits you set.
        </li>
        <li>
          <strong>What is sent:</strong> task results and your wallet address; task inputs are anonymous prompts.
          Nothing else from your computer leaves it, and bandwidth is not used beyond task text and results.
        </li>
        <li>
          <strong>What you earn:</strong> GBT for every task other nodes verify, settled on-chain once per epoch and
          claimable from the Wallet page.
        </li>
        <li>
          <strong>Non-custodial:</strong> GitBlock never holds your keys or your tokens. Connect your own wallet, or
          create one here that only you can unlock.
        </li>
      </ul>
      <div className="actions">
        <button type="button" className="primary" onClick={onNext}>
          Get started
        </button>
      </div>
    </div>
  );
}
