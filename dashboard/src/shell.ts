// The signed-in frame: header with navigation, who is signed in and sign-out, and the
// main region where the router mounts one page at a time.
import { h, replaceChildren } from "./dom";
import { interceptLinks, matchRoute, type Page, type PageContext, type Route } from "./router";
import type { Session } from "./session";
import type { Role } from "./types";
import type { Api } from "./api";

export interface NavItem {
  readonly href: string;
  readonly label: string;
  /** Shown only to tokens with this role or above. */
  readonly minimum: Role;
}

export interface ShellOptions {
  api: Api;
  session: Session;
  routes: readonly Route[];
  nav: readonly NavItem[];
  notFound: Route["page"];
  onSignOut: () => void;
}

export class Shell {
  private current: Page | undefined;
  /** The path the current page was rendered for (where a refused back or forward returns). */
  private path = "";
  private readonly main = h("main", { id: "main", tabindex: "-1" });
  private readonly navLinks: HTMLAnchorElement[];
  readonly element: HTMLElement;
  readonly context: PageContext;

  constructor(private readonly options: ShellOptions) {
    const { session } = options;
    this.context = { api: options.api, session, navigate: (path, navigation) => this.navigate(path, navigation) };
    this.navLinks = options.nav
      .filter((item) => session.can(item.minimum))
      .map((item) => h("a", { href: item.href }, item.label));
    const header = h(
      "header",
      { class: "top" },
      h("a", { class: "skip", href: "#main" }, "Skip to content"),
      h("a", { class: "brand", href: "/runs" }, "Waymark"),
      h("nav", { "aria-label": "Main" }, this.navLinks),
      h(
        "div",
        { class: "who" },
        h("span", { class: "muted" }, "Signed in as "),
        h("strong", { "data-testid": "who" }, session.me.name),
        " ",
        h("span", { class: "role" }, session.me.role),
        h("button", { type: "button", class: "link", onclick: () => options.onSignOut() }, "Sign out"),
      ),
    );
    this.element = h("div", { class: "shell" }, header, this.main);
    interceptLinks(this.element, (path) => this.navigate(path));
    // The skip link targets the main region without leaving the page's route.
    header.querySelector(".skip")!.addEventListener("click", (event) => (event.preventDefault(), this.main.focus()));
    window.addEventListener("popstate", this.onPopState);
    window.addEventListener("beforeunload", this.onBeforeUnload);
  }

  navigate(path: string, options: { replace?: boolean } = {}): void {
    if (!this.mayLeave()) return;
    if (options.replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
    this.render();
  }

  render(): void {
    this.current?.dispose?.();
    const match = matchRoute(this.options.routes, location.pathname);
    const page = (match?.page ?? this.options.notFound)(
      this.context,
      match?.params ?? {},
      new URLSearchParams(location.search),
    );
    this.current = page;
    this.path = `${location.pathname}${location.search}`;
    replaceChildren(this.main, page.element);
    document.title = `${page.title} · Waymark`;
    for (const link of this.navLinks) {
      if (isSection(link.pathname, location.pathname)) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    (this.main.querySelector("h1") ?? this.main).focus({ preventScroll: true });
  }

  /** Back and forward have already moved the URL: staying puts it back. */
  private readonly onPopState = () => {
    if (this.mayLeave()) this.render();
    else history.pushState(null, "", this.path);
  };

  /** Closing or reloading the tab with unsaved work: the browser asks (its own wording). */
  private readonly onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (this.current?.hasUnsavedChanges?.()) event.preventDefault();
  };

  private mayLeave(): boolean {
    return !this.current?.hasUnsavedChanges?.() || window.confirm("Leave this page? Your changes are not saved.");
  }

  dispose(): void {
    this.current?.dispose?.();
    window.removeEventListener("popstate", this.onPopState);
    window.removeEventListener("beforeunload", this.onBeforeUnload);
  }
}

/** `/runs` is current on `/runs/run_…` too; `/` only on itself. */
function isSection(section: string, pathname: string): boolean {
  return pathname === section || (section !== "/" && pathname.startsWith(`${section}/`));
}
