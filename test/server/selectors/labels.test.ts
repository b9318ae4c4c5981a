import { describe, expect, it } from "vitest";
import { isQualifiedName, isValidLabelValue } from "../../../server/api/selectors/label-validation.ts";
import {
  EVERYTHING, labelSelectorFromObject, LabelSelectorError, newRequirement, NOTHING, parseLabelSelector,
} from "../../../server/api/selectors/labels.ts";

const QNAME_ERR = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_ERR = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe("parseLabelSelector: matching", () => {
  const labels = { app: "web", tier: "front", gen: "5", empty: "" };
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["app in (web,db)", true],
    ["app in (db)", false],
    ["missing in (x)", false],
    ["app notin (db)", true],
    ["app notin (web)", false],
    ["missing notin (x)", true],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["gen>4", true],
    ["gen>5", false],
    ["gen<6", true],
    ["gen<10", true],
    ["gen<2", false],
    ["app>1", false],
    ["missing>1", false],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["empty=", true],
    ["app=", false],
    ["empty in ()", true],
    ["  app = web ,  tier  ", true],
    ["app in(web)", true],
    ["x in (in),app", false],
  ])("%j -> %s", (sel, expected) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(expected);
  });

  it("treats missing labels as empty sets", () => {
    expect(parseLabelSelector("!a").matches(undefined)).toBe(true);
    expect(parseLabelSelector("a").matches(null)).toBe(false);
  });

  it("does not find inherited properties", () => {
    expect(parseLabelSelector("toString").matches({})).toBe(false);
    expect(parseLabelSelector("constructor in (x)").matches({})).toBe(false);
  });

  it("normalizes to upstream's string form, sorted by key", () => {
    expect(parseLabelSelector("z=1,a in (c,b),!m,k,g>3,h<2,n notin ()").toString()).toBe("a in (b,c),g>3,h<2,k,!m,n notin (),z=1");
    expect(parseLabelSelector("a in (b,,c)").requirements[0]!.values).toEqual(["", "b", "c"]);
  });

  it("reports exact matches", () => {
    const s = parseLabelSelector("a=1,b in (2),c in (3,4),d!=5");
    expect(s.requiresExactMatch("a")).toBe("1");
    expect(s.requiresExactMatch("b")).toBe("2");
    expect(s.requiresExactMatch("c")).toBeUndefined();
    expect(s.requiresExactMatch("d")).toBeUndefined();
    expect(s.requiresExactMatch("e")).toBeUndefined();
  });

  it("accepts prefixed keys", () => {
    expect(parseLabelSelector("app.kubernetes.io/name=x").matches({ "app.kubernetes.io/name": "x" })).toBe(true);
  });
});

describe("parseLabelSelector: errors", () => {
  it.each([
    ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["gen<-1", `unable to parse requirement: values[0][gen]: Invalid value: "-1": ${VALUE_ERR}`],
    ["a=b c", "found 'c', expected: ',' or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["=a", "found '=', expected: !, identifier, or 'end of string'"],
    ["!a=b", "found '=', expected: ',' or 'end of string'"],
    ["a in b", "unable to parse requirement: found 'b' expected: '('"],
    ["a in (b", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ["a = = b", "unable to parse requirement: found '=', expected: identifier"],
    ["a (b)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["!", "unable to parse requirement: found '', expected: identifier"],
    ["a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ["-a=b", `unable to parse requirement: <nil>: Invalid value: "-a": ${QNAME_ERR}`],
    ["a=-b", `unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_ERR}`],
    ["a=!=b", "unable to parse requirement: found '!=', expected: identifier"],
    ["a<>1", "unable to parse requirement: found '>', expected: identifier"],
  ])("%j", (sel, message) => {
    expect(() => parseLabelSelector(sel)).toThrow(new LabelSelectorError(message));
  });
});

describe("label key/value validation", () => {
  it.each([
    ["app", []],
    ["example.com/app", []],
    ["a".repeat(63), []],
    ["a".repeat(64), ["name part must be no more than 63 characters"]],
    ["/a", ["prefix part must be non-empty"]],
    ["a/b/c", ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
    ["a/", ["name part must be non-empty", QNAME_ERR]],
    ["Example.com/a", ["prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]],
  ])("key %j", (key, errs) => {
    expect(isQualifiedName(key)).toEqual(errs);
  });

  it.each([
    ["", []],
    ["a_b.c-d", []],
    ["_a", [VALUE_ERR]],
    ["a".repeat(64), ["must be no more than 63 characters"]],
  ])("value %j", (v, errs) => {
    expect(isValidLabelValue(v)).toEqual(errs);
  });
});

describe("newRequirement", () => {
  it("aggregates several errors like upstream", () => {
    expect(() => newRequirement("-k", "in", [])).toThrow(
      `[key: Invalid value: "-k": ${QNAME_ERR}, values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty]`,
    );
  });
  it("rejects values for exists", () => {
    expect(() => newRequirement("k", "exists", ["x"])).toThrow('values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist');
  });
  it("needs exactly one value for equality", () => {
    expect(() => newRequirement("k", "=", ["a", "b"])).toThrow("exact-match compatibility requires one single value");
  });
});

describe("labelSelectorFromObject", () => {
  it("null selects nothing, {} everything", () => {
    expect(labelSelectorFromObject(null).matches({ a: "b" })).toBe(false);
    expect(labelSelectorFromObject(undefined)).toBe(NOTHING);
    expect(labelSelectorFromObject({}).matches({ a: "b" })).toBe(true);
    expect(EVERYTHING.matches(undefined)).toBe(true);
  });

  it("ANDs matchLabels and matchExpressions", () => {
    const s = labelSelectorFromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["front", "edge"] },
        { key: "env", operator: "NotIn", values: ["prod"] },
        { key: "team", operator: "Exists" },
        { key: "legacy", operator: "DoesNotExist" },
      ],
    });
    expect(s.matches({ app: "web", tier: "edge", team: "x" })).toBe(true);
    expect(s.matches({ app: "web", tier: "edge", team: "x", env: "prod" })).toBe(false);
    expect(s.matches({ app: "web", tier: "back", team: "x" })).toBe(false);
    expect(s.matches({ app: "web", tier: "edge" })).toBe(false);
    expect(s.matches({ app: "web", tier: "edge", team: "x", legacy: "1" })).toBe(false);
    expect(s.toString()).toBe("app=web,env notin (prod),!legacy,team,tier in (edge,front)");
  });

  it("rejects bad operators and values with upstream's messages", () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] })).toThrow('"Gt" is not a valid label selector operator');
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).toThrow("values set can't be empty");
    expect(() => labelSelectorFromObject({ matchLabels: { a: "b c" } })).toThrow(`values[0][a]: Invalid value: "b c": ${VALUE_ERR}`);
  });
});
