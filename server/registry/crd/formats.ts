/**
 * The string formats CRD schemas may name (apiextensions' supported formats, checked by
 * kube-openapi's strfmt registry). Unknown formats pass, as upstream ignores them.
 */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,255}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DURATION = /^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w))+$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isIPv6(v: string): boolean {
  if (!v.includes(":")) return false;
  try {
    new URL(`http://[${v}]/`);
    return true;
  } catch {
    return false;
  }
}

function validDate(v: string): boolean {
  return !Number.isNaN(Date.parse(v.slice(0, 10) + "T00:00:00Z"));
}

const CHECKS: Record<string, (v: string) => boolean> = {
  "int-or-string": () => true,
  byte: (v) => BASE64.test(v),
  date: (v) => DATE.test(v) && validDate(v),
  "date-time": (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(" ", "T"))),
  datetime: (v) => DATE_TIME.test(v),
  duration: (v) => DURATION.test(v),
  uuid: (v) => UUID.test(v),
  uuid3: (v) => UUID.test(v),
  uuid4: (v) => UUID.test(v),
  uuid5: (v) => UUID.test(v),
  email: (v) => EMAIL.test(v),
  hostname: (v) => HOSTNAME.test(v),
  ipv4: (v) => IPV4.test(v),
  ipv6: (v) => isIPv6(v),
  cidr: (v) => {
    const [ip, bits, extra] = v.split("/");
    if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
    return IPV4.test(ip) ? Number(bits) <= 32 : isIPv6(ip) && Number(bits) <= 128;
  },
  mac: (v) => MAC.test(v),
  uri: (v) => URL.canParse(v),
  url: (v) => URL.canParse(v),
};

export function checkFormat(format: string, value: string): boolean {
  const check = CHECKS[format];
  return check ? check(value) : true;
}
