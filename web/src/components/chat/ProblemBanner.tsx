import type { ChatProblem } from "../../hooks/chat.ts";
import { describeGatewayError, GatewayError } from "../../lib/gateway-errors.ts";

/** What went wrong with the last turn, in words, with the one action that helps. */
export function ProblemBanner({
  problem,
  onSignIn,
  onDeposit,
  onDismiss,
  signedIn,
}: {
  problem: ChatProblem;
  onSignIn?: () => void;
  onDeposit?: () => void;
  onDismiss(): void;
  signedIn: boolean;
}) {
  const { error } = problem;
  if (!(error instanceof GatewayError)) {
    return (
      <div className="banner bad" role="alert" data-testid="chat-problem">
        {error.message}{" "}
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  const { title, detail, remedy } = describeGatewayError(error, problem.model);
  return (
    <div className="banner bad" role="alert" data-testid="chat-problem" data-kind={error.kind}>
      <strong>{title}.</strong> {detail}
      {error.kind === "quota" && problem.anonymous && " Sign in with your wallet for a larger daily allowance."}
      <div className="actions">
        {remedy === "sign-in" && onSignIn && (
          <button type="button" className="primary" onClick={onSignIn}>
            {signedIn ? "Sign in again" : "Sign in with wallet"}
          </button>
        )}
        {remedy === "deposit" && onDeposit && (
          <button type="button" className="primary" onClick={onDeposit}>
            Deposit GBT
          </button>
        )}
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
