import { WEBGPU_HELP, type WebGpuStatus } from "../mining/webgpu.ts";

/** Why WebGPU is missing and what to do about it. */
export function WebGpuMissing({ status }: { status: Extract<WebGpuStatus, { ok: false }> }) {
  return (
    <div className="banner bad" role="alert" data-testid="webgpu-missing">
      <strong>WebGPU is not available.</strong> {status.message}
      <p>What you can do:</p>
      <ol>
        {WEBGPU_HELP.map((tip) => (
          <li key={tip}>{tip}</li>
        ))}
      </ol>
    </div>
  );
}
