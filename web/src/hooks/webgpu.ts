import { useEffect, useState } from "react";
import { detectWebGpu, type WebGpuStatus } from "../mining/webgpu.ts";

/** WebGPU detection, once per mount (null while it runs). */
export function useWebGpu(): WebGpuStatus | null {
  const [status, setStatus] = useState<WebGpuStatus | null>(null);
  useEffect(() => {
    let live = true;
    detectWebGpu().then((s) => live && setStatus(s));
    return () => {
      live = false;
    };
  }, []);
  return status;
}
