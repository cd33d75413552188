/** WebGPU detection with a message a newcomer can act on. */

export type WebGpuStatus =
  | { ok: true; adapter: string }
  | { ok: false; reason: "no-api" | "no-adapter" | "insecure" | "error"; message: string };

interface GpuLike {
  requestAdapter(
    options?: unknown,
  ): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

export async function detectWebGpu(
  nav: { gpu?: GpuLike } | undefined = globalThis.navigator as never,
  secure = globalThis.isSecureContext ?? true,
): Promise<WebGpuStatus> {
  if (!secure) {
    return { ok: false, reason: "insecure", message: "WebGPU only works on secure pages (https:// or localhost)." };
  }
  if (!nav?.gpu) {
    return {
      ok: false,
      reason: "no-api",
      message: "This browser does not offer WebGPU, so it cannot run the model on your GPU.",
    };
  }
  try {
    const adapter = await nav.gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) {
      return {
        ok: false,
        reason: "no-adapter",
        message:
          "WebGPU is switched on, but no usable GPU was found (hardware acceleration off, or the GPU is blocklisted).",
      };
    }
    const info = adapter.info;
    const name = [info?.vendor, info?.architecture || info?.description].filter(Boolean).join(" ");
    return { ok: true, adapter: name || "GPU" };
  } catch (error) {
    return {
      ok: false,
      reason: "error",
      message: `WebGPU failed to start: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** What to do when WebGPU is missing, in order of how often it helps. */
export const WEBGPU_HELP = [
  "Use a current Chrome or Edge (version 113 or newer) on Windows, macOS or ChromeOS, or Chrome 121+ on Android.",
  "Turn on hardware acceleration (Chrome: Settings → System → “Use graphics acceleration when available”) and restart the browser.",
  "Update your graphics driver. On Linux, WebGPU may still need chrome://flags/#enable-unsafe-webgpu.",
  "No suitable GPU here? Run the headless GitBlock node on a GPU machine instead; it earns to the same wallet.",
];
