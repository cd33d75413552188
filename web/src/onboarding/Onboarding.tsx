/**
 * Onboarding as the product describes it, one step at a time: welcome & trust → wallet (connect or create) →
 * hardware consent with limits → verify by signing → done (the active-session panel on #/mine). Skippable at any
 * step for people who know their way; re-opened from the Guide or the wallet menu (onboarding-state.ts).
 */
import "./onboarding.css";
import { useState } from "react";
import { ConsentStep } from "./ConsentStep.tsx";
import { closeOnboarding, useOnboardingOpen } from "./onboarding-state.ts";
import { VerifyStep } from "./VerifyStep.tsx";
import { WalletStep } from "./WalletStep.tsx";
import { WelcomeStep } from "./WelcomeStep.tsx";

const STEPS = ["Welcome", "Wallet", "Hardware", "Verify", "Done"] as const;

export function Onboarding() {
  const open = useOnboardingOpen();
  const [step, setStep] = useState(0);
  if (!open) return null;
  const next = () => setStep((s) => Math.min(s + 1, STEPS.length - 1));
  const finish = () => {
    closeOnboarding("done");
    setStep(0);
  };

  return (
    <div className="onboarding-backdrop">
      <div className="onboarding card" role="dialog" aria-modal="true" aria-label="Onboarding">
        <ol className="onboarding-steps" aria-label="Steps">
          {STEPS.map((name, i) => (
            <li key={name} aria-current={i === step ? "step" : undefined} className={i < step ? "past" : undefined}>
              {name}
            </li>
          ))}
        </ol>
        {step === 0 && <WelcomeStep onNext={next} />}
        {step === 1 && <WalletStep onNext={next} />}
        {step === 2 && <ConsentStep onNext={next} />}
        {step === 3 && <VerifyStep onNext={next} />}
        {step === 4 && (
          <div data-testid="onboarding-done">
            <h2>You are set</h2>
            <p>Start your node on the Mining page; its active-session panel shows session time, earnings and tasks.</p>
            <div className="actions">
              <button
                type="button"
                className="primary"
                onClick={() => {
                  finish();
                  window.location.hash = "#/mine";
                }}
              >
                Go to the active session
              </button>
              <button type="button" onClick={finish}>
                Close
              </button>
            </div>
          </div>
        )}
        {step < 4 && (
          <button
            type="button"
            className="link onboarding-skip"
            onClick={() => {
              closeOnboarding("skipped");
              setStep(0);
            }}
          >
            Skip, I know my way
          </button>
        )}
      </div>
    </div>
  );
}
