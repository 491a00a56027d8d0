// What the test suite needs besides the project's npm packages: Debian packages (Chromium for the
// browser tests, redis-server for the cluster tests and PostgreSQL for the service's replica tests, which start their own, Dask for the tests of
// weft pipe in a Dask job and of datasets both ways, Jupyter for the notebook test) and the notebook's own npm packages. Missing ones are installed where that is possible
// (root, with apt-get); elsewhere the run stops before any test with the commands to run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface SystemRequirement {
  /** What needs it, for the message when it is missing. */
  readonly usedBy: string;
  readonly debianPackages: readonly string[];
  present(): boolean;
}

const succeeds = (command: string, args: readonly string[]) =>
  spawnSync(command, args, { stdio: "ignore" }).status === 0;

const systemRequirements: readonly SystemRequirement[] = [
  {
    usedBy: "the dashboard and report tests drive it",
    debianPackages: ["chromium"],
    // A browser chosen with WEFT_CHROMIUM is the caller's to provide (a guard test points it nowhere).
    present: () => process.env.WEFT_CHROMIUM !== undefined || existsSync("/usr/bin/chromium"),
  },
  {
    usedBy: "the cluster tests start their own servers",
    debianPackages: ["redis-server"],
    present: () => succeeds("redis-server", ["--version"]),
  },
  {
    usedBy: "the job store and replica tests start their own PostgreSQL servers",
    debianPackages: ["postgresql"],
    present: () => existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").length > 0,
  },
  {
    usedBy:
      "the Dask tests run a job on a real Dask LocalCluster that calls weft pipe, and read and write datasets with Dask's bag and dataframe",
    // Pandas is only a recommendation of python3-dask, and dask.dataframe needs it.
    debianPackages: ["python3-dask", "python3-distributed", "python3-pandas"],
    present: () => succeeds("/usr/bin/python3", ["-c", "import dask.bag, dask.dataframe, dask.distributed"]),
  },
  {
    usedBy: "the notebook test executes the notebook",
    // nbconvert runs the notebook through jupyter_client, which it only recommends.
    debianPackages: ["jupyter-notebook", "python3-nbconvert", "python3-jupyter-client"],
    // Debian's Python, which is where these packages go; a python3 earlier on PATH may lack them.
    present: () => succeeds("/usr/bin/python3", ["-c", "import notebook, nbconvert, jupyter_client"]),
  },
];

/** Installs what is missing, or exits with the commands that would install it. */
export function ensureRequirements(): void {
  const missing = systemRequirements.filter((r) => !r.present());
  if (missing.length > 0) installSystemPackages(missing);
  ensureNotebookPackages();
}

function installSystemPackages(missing: readonly SystemRequirement[]): void {
  const packages = missing.flatMap((r) => r.debianPackages);
  const canInstall = process.getuid?.() === 0 && succeeds("apt-get", ["--version"]);
  if (!canInstall) {
    console.error(
      [
        "npm test needs system packages that are missing:",
        ...missing.map((r) => `  ${r.debianPackages.join(", ")}: ${r.usedBy}`),
        "Install them, then run npm test again. On Debian or Ubuntu:",
        `  sudo apt-get update && sudo apt-get install -y ${packages.join(" ")}`,
        "(elsewhere, your system's packages of the same names; Chromium may also be given with WEFT_CHROMIUM=/path/to/chromium)",
      ].join("\n"),
    );
    process.exit(1);
  }
  console.log(`npm test: installing ${packages.join(", ")} with apt-get`);
  // Without what they only recommend (Pandoc, Matplotlib, SciPy, fonts, ...): the suite needs none of
  // it, and it was two thirds of the packages and of the install's minutes on a new machine.
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    stdio: ["ignore", "ignore", "inherit"],
    env,
  });
}

/** The notebook's dependencies live apart from weft's (notebooks/package.json); installed when one is missing. */
function ensureNotebookPackages(): void {
  const notebooks = join(root, "notebooks");
  const { dependencies } = JSON.parse(readFileSync(join(notebooks, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const installed = Object.keys(dependencies).every((d) =>
    existsSync(join(notebooks, "node_modules", d, "package.json")),
  );
  if (installed) return;
  console.log("npm test: installing the notebook's packages (npm ci --prefix notebooks)");
  execFileSync("npm", ["ci", "--prefix", notebooks, "--no-audit", "--no-fund"], { stdio: "inherit" });
}
