// `npm run migrate`: applies the checked-in migrations to the database of DATABASE_URL (default: the
// embedded SQLite file, created with its folder), as `npm start` does before it starts its processes;
// what to run before starting the api, relay or worker by hand on a new database. Exit 2 with one line
// when the database cannot be reached or migrated, as `npm start`.
import { exitOnBadInput, exitOnSettingProblems } from "./config.js";
import { databaseName, prepareDatabase } from "./db.js";

// A bad TRACEHOP_CONNECT_TIMEOUT_MS (how long the database server may take to answer) is refused, as `npm
// start` refuses it.
exitOnSettingProblems(["TRACEHOP_CONNECT_TIMEOUT_MS"]);
const applied = await prepareDatabase().catch(exitOnBadInput);
console.log(
  applied.length === 0
    ? `tracehop preprocess: the database of ${databaseName()} has every migration already`
    : `tracehop preprocess: applied ${applied.join(", ")} to the database of ${databaseName()}`,
);
