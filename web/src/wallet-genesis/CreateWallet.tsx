/**
 * Wallet genesis: the key is generated here (a BIP-39 phrase, viem's generateMnemonic), sealed with a passkey (PRF)
 * or a password, shown once as a backup phrase and confirmed by typing back three of its words. Nothing is sent.
 */
import { useMemo, useState } from "react";
import { browserWallet } from "./browser-wallet.ts";
import { PrfUnavailableError, passkeysAvailable } from "./passkey.ts";
import { pickWordsToConfirm, wrongWords } from "./phrase-check.ts";
import { useAsyncAction } from "./use-async-action.ts";
import { useConnectBrowserWallet } from "./use-browser-wallet.ts";
import { MIN_PASSWORD_LENGTH } from "./vault-crypto.ts";

export function CreateWallet({ onReady }: { onReady: () => void }) {
  const [phrase, setPhrase] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  if (!phrase) return <ChooseProtection onCreated={setPhrase} />;
  if (!confirming) return <ShowPhrase phrase={phrase} onWritten={() => setConfirming(true)} />;
  return <ConfirmPhrase phrase={phrase} onConfirmed={onReady} onBack={() => setConfirming(false)} />;
}

function ChooseProtection({ onCreated }: { onCreated: (phrase: string) => void }) {
  const connect = useConnectBrowserWallet();
  const action = useAsyncAction();
  const [noPrf, setNoPrf] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const finish = async (phrase: string) => {
    await connect();
    onCreated(phrase);
  };

  return (
    <div className="genesis" data-testid="create-wallet">
      <p>
        A new wallet is generated in this browser. Its key never leaves this device: it is kept encrypted here, and only
        you can unlock it.
      </p>
      {passkeysAvailable() && !noPrf && (
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={action.running}
            onClick={() =>
              action.run(async () => {
                try {
                  await finish(await browserWallet.createWithPasskey());
                } catch (error) {
                  if (!(error instanceof PrfUnavailableError)) throw error;
                  setNoPrf(error.message);
                }
              })
            }
          >
            Protect with a passkey
          </button>
          <span className="muted small">or a password below</span>
        </div>
      )}
      {noPrf && (
        <p className="banner" role="status" data-testid="prf-unavailable">
          {noPrf}
        </p>
      )}
      <form
        aria-label="Protect with a password"
        onSubmit={(e) => {
          e.preventDefault();
          action.run(async () => {
            if (password !== repeat) throw new Error("The two passwords differ.");
            await finish(await browserWallet.create({ kind: "password", password }));
          });
        }}
      >
        <label>
          Password (at least {MIN_PASSWORD_LENGTH} characters){" "}
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-label="New wallet password"
          />
        </label>
        <label>
          Repeat it{" "}
          <input
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            aria-label="Repeat the password"
          />
        </label>
        <button type="submit" disabled={action.running || password.length === 0}>
          {action.running ? "Creating and encrypting…" : "Create with a password"}
        </button>
      </form>
      {action.error && (
        <p className="error" role="alert">
          {action.error}
        </p>
      )}
    </div>
  );
}

function ShowPhrase({ phrase, onWritten }: { phrase: string; onWritten: () => void }) {
  return (
    <div className="genesis">
      <p>
        Your backup phrase. Write these 12 words down, in order, and keep them offline: they restore this wallet
        anywhere, and anyone who has them controls it. GitBlock cannot recover them for you.
      </p>
      <ol className="phrase" data-testid="backup-phrase">
        {phrase.split(" ").map((word, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a phrase can repeat a word; its position is its identity
          <li key={i}>{word}</li>
        ))}
      </ol>
      <button type="button" className="primary" onClick={onWritten}>
        I wrote it down
      </button>
    </div>
  );
}

function ConfirmPhrase({
  phrase,
  onConfirmed,
  onBack,
}: {
  phrase: string;
  onConfirmed: () => void;
  onBack: () => void;
}) {
  const positions = useMemo(() => pickWordsToConfirm(phrase.split(" ").length), [phrase]);
  const [answers, setAnswers] = useState<string[]>(positions.map(() => ""));
  const [wrong, setWrong] = useState<number[]>([]);
  return (
    <form
      className="genesis"
      aria-label="Confirm the backup phrase"
      onSubmit={(e) => {
        e.preventDefault();
        const mistakes = wrongWords(phrase, positions, answers);
        setWrong(mistakes);
        if (mistakes.length > 0) return;
        browserWallet.confirmBackup();
        onConfirmed();
      }}
    >
      <p>Type these words of your phrase to confirm you have it.</p>
      {positions.map((position, i) => (
        <label key={position}>
          Word #{position + 1}{" "}
          <input
            value={answers[i]}
            autoComplete="off"
            onChange={(e) => setAnswers(answers.map((a, j) => (j === i ? e.target.value : a)))}
            aria-label={`Word #${position + 1}`}
            aria-invalid={wrong.includes(position)}
          />
        </label>
      ))}
      {wrong.length > 0 && (
        <p className="error" role="alert">
          Word{wrong.length > 1 ? "s" : ""} {wrong.map((p) => `#${p + 1}`).join(", ")} do not match your phrase.
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={onBack}>
          Show the phrase again
        </button>
        <button type="submit" className="primary">
          Confirm backup
        </button>
      </div>
    </form>
  );
}
