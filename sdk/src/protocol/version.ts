/** Version of the node ↔ relayer wire protocol. Every frame carries it in `v`; a relayer refuses other versions. */
export const PROTOCOL_VERSION = 1 as const;

/** Largest frame (WebSocket message or HTTP body) a relayer accepts, in bytes. Results and control frames are small. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** Path of the node gateway's WebSocket endpoint and of the dashboard push channel. */
export const NODE_SOCKET_PATH = "/ws/node";
export const DASHBOARD_SOCKET_PATH = "/ws/dashboard";
