// The dashboard (docs/dashboard.md): sign in with a token, then the pages below, all talking only
// to /api. To add a page: a module under pages/, one line in ROUTES, one in NAV.
import { Api, ApiError } from "./api";
import { errorNotice } from "./components/notice";
import { h, replaceChildren } from "./dom";
import { approvalsPage } from "./pages/approvals";
import { auditPage } from "./pages/audit";
import { notFoundPage } from "./pages/not-found";
import { runPage } from "./pages/run";
import { runsPage } from "./pages/runs";
import { signInPage } from "./pages/sign-in";
import { workflowsPage } from "./pages/workflows";
import { lazyPage } from "./lazy-page";
import type { Route } from "./router";
import { forgetToken, Session, storedToken, storeToken } from "./session";
import { Shell, type NavItem } from "./shell";
import type { Me } from "./types";

const metricsPage = lazyPage("Metrics", async () => (await import("./pages/metrics")).metricsPage);
const workflowPage = lazyPage("Workflow", async () => (await import("./pages/workflow")).workflowPage);
const versionsPage = lazyPage("Versions", async () => (await import("./pages/versions")).versionsPage);

const ROUTES: readonly Route[] = [
  { path: "/", page: runsPage },
  { path: "/runs", page: runsPage },
  { path: "/runs/:id", page: runPage },
  { path: "/approvals", page: approvalsPage },
  { path: "/metrics", page: metricsPage },
  { path: "/audit", page: auditPage },
  { path: "/workflows", page: workflowsPage },
  // Outside /workflows/…, so every workflow id (even "new") has its page.
  { path: "/new-workflow", page: workflowPage },
  { path: "/workflows/:id", page: workflowPage },
  { path: "/workflows/:id/versions", page: versionsPage },
];

const NAV: readonly NavItem[] = [
  { href: "/runs", label: "Runs", minimum: "viewer" },
  { href: "/workflows", label: "Workflows", minimum: "viewer" },
  { href: "/approvals", label: "Approvals", minimum: "viewer" },
  { href: "/metrics", label: "Metrics", minimum: "viewer" },
  { href: "/audit", label: "Audit", minimum: "admin" },
];

const root = document.getElementById("app")!;
let shell: Shell | undefined;

function signOut(message?: string): void {
  forgetToken();
  shell?.dispose();
  shell = undefined;
  showSignIn(message);
}

function showSignIn(message?: string): void {
  document.title = "Sign in · Waymark";
  replaceChildren(root, signInPage(onSignedIn, message));
  root.querySelector<HTMLElement>("#token")?.focus();
}

function onSignedIn(token: string, me: Me): void {
  storeToken(token);
  start(token, me);
}

function start(token: string, me: Me): void {
  const api = new Api(token, {
    onUnauthorized: () => signOut("Your token is no longer accepted (revoked or expired). Sign in again."),
  });
  shell = new Shell({
    api,
    session: new Session(me),
    routes: ROUTES,
    nav: NAV,
    notFound: notFoundPage,
    onSignOut: () => signOut(),
  });
  replaceChildren(root, shell.element);
  if (location.pathname === "/") history.replaceState(null, "", `/runs${location.search}`);
  shell.render();
}

async function boot(): Promise<void> {
  const token = storedToken();
  if (!token) return showSignIn();
  try {
    start(token, await new Api(token).me());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return signOut("Your token is no longer accepted (revoked or expired). Sign in again.");
    replaceChildren(
      root,
      h(
        "main",
        { id: "main", class: "centered" },
        errorNotice(error, "Could not reach Waymark."),
        h("button", { type: "button", onclick: () => void boot() }, "Try again"),
      ),
    );
  }
}

void boot();
