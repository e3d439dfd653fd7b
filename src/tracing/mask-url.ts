/**
 * `url` (an OTLP endpoint, as written) for a message, its secrets replaced by `***`: the password of its
 * user part (`scheme://user:PASSWORD@host`; a user part without a password, which may be a token
 * alone, is masked whole), the value of each query parameter whose name says it holds a secret
 * ({@link isSecretName}: `api_key`, `token`, `password`, ...), and a fragment whole. The rest is kept as
 * written.
 * Never throws; a text that is no URL is masked the same way, as far as it has those parts.
 */
export function maskUrl(url: string): string {
  const hash = url.indexOf("#");
  const beforeFragment = hash < 0 ? url : url.slice(0, hash);
  const question = beforeFragment.indexOf("?");
  const head = question < 0 ? beforeFragment : beforeFragment.slice(0, question);
  const query = question < 0 ? "" : `?${maskPairs(beforeFragment.slice(question + 1))}`;
  // A fragment is never sent: nothing in it is needed to tell the endpoint, and it may hold anything.
  const fragment = hash < 0 ? "" : hash === url.length - 1 ? "#" : "#***";
  return maskUserPart(head) + query + fragment;
}

/**
 * `head` (a URL up to its query) with the password of its user part masked. A text without
 * `scheme://` (`user:pw@collector:4318`, `//user:pw@c`, `http:/u:pw@c`: refused by the endpoint checks,
 * then shown) has no authority to bound the user part: everything before its last `@` is the user part
 * there (a password may hold `/`, a base64 token does), after a leading `scheme:` and slashes; it masks
 * more than needed (`c:4318/a@b` → `c:***@b`) rather than show a secret.
 */
function maskUserPart(head: string): string {
  const start = /^[a-z][a-z\d+.-]*:\/\//i.exec(head)?.[0].length;
  if (start === undefined) {
    const at = head.lastIndexOf("@");
    if (at < 0) return head;
    const prefix = /^(?:[a-z][a-z\d+.-]*:)?[/\\]*/i.exec(head)?.[0].length ?? 0;
    return at < prefix
      ? head
      : `${head.slice(0, prefix)}${userMasked(head.slice(prefix, at))}${head.slice(at)}`;
  }
  // The authority ends at the first "/" (or "\", which the URL parser reads as "/" in http: URLs).
  const end = head.slice(start).search(/[/\\]|$/) + start;
  const at = head.lastIndexOf("@", end - 1);
  if (at < start) return head;
  return `${head.slice(0, start)}${userMasked(head.slice(start, at))}${head.slice(at)}`;
}

/** A user part (`user:password`, or a token alone) with its password masked, or whole without one. */
function userMasked(userinfo: string): string {
  const colon = userinfo.indexOf(":");
  return colon < 0 ? "***" : `${userinfo.slice(0, colon + 1)}***`;
}

/** A query as written (`a=1&b=2`, no `?`), with the value of each secret parameter masked. */
function maskPairs(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      if (equals < 0) return pair;
      const [name = ""] = [...new URLSearchParams(pair).keys()];
      return isSecretName(name) ? `${pair.slice(0, equals)}=***` : pair;
    })
    .join("&");
}

/**
 * Whether a URL parameter named `name` (decoded) holds a secret: a name that contains, in any case,
 * `pass`, `pwd`, `secret`, `token`, `credential`, `auth` or `signature`, or ends in `key` (`apikey`,
 * `api_key`, `dd-api-key`), or is `sig` (an Azure shared access signature) or `code` (an Azure Functions
 * key). Masking a value that is no secret costs a message one value; showing a
 * secret cannot be undone.
 */
function isSecretName(name: string): boolean {
  return /pass|pwd|secret|token|credential|auth|signature/i.test(name) || /key$|^sig$|^code$/i.test(name);
}
