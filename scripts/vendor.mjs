// Copies pinned npm assets into static/vendor/ (git-ignored).
import { copyFileSync, mkdirSync } from "node:fs";
const files = [["node_modules/htmx.org/dist/htmx.min.js", "static/vendor/htmx.min.js"]];
mkdirSync("static/vendor", { recursive: true });
for (const [from, to] of files) copyFileSync(from, to);
console.log(`vendor: copied ${files.length} file(s) into static/vendor/`);
