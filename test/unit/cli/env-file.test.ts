import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { envFilePath, parseEnvFile, resolveEnvFile } from "../../../cli/lib/env-file";

describe("environment files", () => {
  const file = parseEnvFile(
    ["# prod", "", "TMS_URL=${PROD_TMS_URL}", "export MQTT_PROTOCOL=${PROD_MQTT_PROTOCOL:-5}", "EMPTY=", 'QUOTED="a b"', "GROUP=${G:-}"].join("\n"),
    "prod.env",
  );

  it("reads NAME=value lines, skipping comments and blanks, unquoting values", () => {
    assert.deepEqual([...file.vars.keys()], ["TMS_URL", "MQTT_PROTOCOL", "EMPTY", "QUOTED", "GROUP"]);
    assert.equal(file.vars.get("QUOTED"), "a b");
    assert.equal(file.vars.get("EMPTY"), "");
    assert.equal(file.lines.get("TMS_URL"), 3);
  });

  it("resolves references from the host environment, with defaults", () => {
    assert.deepEqual(resolveEnvFile(file, { PROD_TMS_URL: "http://tms.example:8080" }), {
      TMS_URL: "http://tms.example:8080",
      MQTT_PROTOCOL: "5",
      EMPTY: "",
      QUOTED: "a b",
      GROUP: "",
    });
    assert.equal(resolveEnvFile(file, { PROD_TMS_URL: "x", PROD_MQTT_PROTOCOL: "4" }).MQTT_PROTOCOL, "4");
  });

  it("a reference the host does not define is an error naming both variables", () => {
    assert.throws(() => resolveEnvFile(file, {}), /prod\.env: not set: TMS_URL \(needs PROD_TMS_URL in the environment\)/);
  });

  it("refuses malformed lines and a variable set twice, with the line", () => {
    assert.throws(() => parseEnvFile("A=1\nnot a line", "x.env"), /x\.env:2: expected NAME=value/);
    assert.throws(() => parseEnvFile("A=1\nA=2", "x.env"), /x\.env:2: A is set twice \(first on line 1\)/);
  });

  it("environment names cannot walk out of environments/", () => {
    assert.throws(() => envFilePath("flows", "../../etc/passwd"), /environment name/);
    assert.match(envFilePath("flows", "prod-eu"), /flows[/\\]environments[/\\]prod-eu\.env$/);
  });
});
