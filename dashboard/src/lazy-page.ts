// Pages with heavy dependencies (the charts of Metrics, the YAML parser of the editor and
// the version diff) load on first visit: esbuild splits each into its own chunk, so the
// Runs page an operator keeps open all day does not download them.
import { errorNotice, loading } from "./components/notice";
import { h, replaceChildren } from "./dom";
import type { Page, PageModule } from "./router";

export function lazyPage(title: string, load: () => Promise<PageModule>): PageModule {
  return (context, params, query) => {
    const element = h("div", { class: "lazy-page" }, loading(title.toLowerCase()));
    let page: Page | undefined;
    let disposed = false;
    load()
      .then((module) => {
        if (disposed) return;
        page = module(context, params, query);
        replaceChildren(element, page.element);
        document.title = `${page.title} · Waymark`;
        element.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
      })
      .catch((error: unknown) =>
        replaceChildren(element, errorNotice(error, `The ${title} page could not be loaded.`)),
      );
    return {
      title,
      element,
      dispose: () => {
        disposed = true;
        page?.dispose?.();
      },
      hasUnsavedChanges: () => page?.hasUnsavedChanges?.() ?? false,
    };
  };
}
