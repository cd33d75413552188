/** Version of the node ↔ relayer wire protocol. Every frame carries it in `v`; a relayer refuses other versions. */
export const PROTOCOL_VERSION = 2 as const;

/** Largest frame (WebSocket message or HTTP body) a relayer accepts, in bytes. A reveal or a claim to verify carries up to 8 192 token ids and the input. */
export const MAX_FRAME_BYTES = 128 * 1024;

/** Path of the node gateway's WebSocket endpoint and of the dashboard push channel. */
export const NODE_SOCKET_PATH = "/ws/node";
export const DASHBOARD_SOCKET_PATH = "/ws/dashboard";
