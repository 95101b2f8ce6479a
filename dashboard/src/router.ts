// A small History API router: a table of path patterns to page modules. Pages are
// functions from (context, params, query) to a mounted element with an optional dispose,
// so each page owns its timers and sockets and gives them back when left.
import type { Api } from "./api";
import type { Session } from "./session";

export interface PageContext {
  readonly api: Api;
  readonly session: Session;
  /** Goes to a dashboard path (pushes history) and renders it. */
  navigate(path: string, options?: { replace?: boolean }): void;
}

export interface Page {
  readonly title: string;
  readonly element: HTMLElement;
  dispose?(): void;
  /** True while leaving would lose the reader's work (an edited definition): the shell asks first. */
  hasUnsavedChanges?(): boolean;
}

export type PageModule = (context: PageContext, params: Record<string, string>, query: URLSearchParams) => Page;

export interface Route {
  /** `/runs/:id` style; `:name` matches one path segment. */
  readonly path: string;
  readonly page: PageModule;
}

export interface Match {
  page: PageModule;
  params: Record<string, string>;
}

export function matchRoute(routes: readonly Route[], pathname: string): Match | undefined {
  const segments = trimSlashes(pathname).split("/");
  for (const route of routes) {
    const pattern = trimSlashes(route.path).split("/");
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index]!;
      if (part.startsWith(":")) {
        params[part.slice(1)] = safeDecode(segment);
        return segment !== "";
      }
      return part === segment;
    });
    if (matches) return { page: route.page, params };
  }
  return undefined;
}

/**
 * Turns clicks on same-origin links into in-app navigation (new tabs, modified clicks
 * and /api links keep the browser's behaviour).
 */
export function interceptLinks(root: HTMLElement, navigate: (path: string) => void): void {
  root.addEventListener("click", (event) => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const anchor = (event.target as Element | null)?.closest("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/hooks/"))
      return;
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return; // an anchor on this page
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, "");

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
