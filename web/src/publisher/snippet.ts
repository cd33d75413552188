/**
 * The HTML a publisher pastes for a placement: the script tag (widget.js inserts the iframe where it stands), or the
 * iframe alone for pages that allow no third-party script. Both point at the dApp's own origin, which serves the
 * iframe and checks the embedding page against the placement's verified domain.
 */
export function widgetSnippet(dappOrigin: string, placementId: string): string {
  return `<script src="${dappOrigin}/widget.js" data-placement="${escapeAttribute(placementId)}" async></script>`;
}

export function iframeSnippet(dappOrigin: string, placementId: string): string {
  const src = `${dappOrigin}/embed.html?placement=${encodeURIComponent(placementId)}`;
  return `<iframe src="${src}" title="GitBlock browser node" allow="webgpu" referrerpolicy="strict-origin-when-cross-origin" style="border:0;width:100%;height:360px"></iframe>`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
