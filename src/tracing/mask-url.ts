/**
 * `url` (an OTLP endpoint, as written) for a message, its secrets replaced by `***`: the password of its
 * user part (`scheme://user:PASSWORD@host`; a user part without a password or with an empty one, which
 * may be a token alone, is masked whole, as is one whose user name holds `/`, `\`, `?`, `#` or `@`),
 * the value of each query parameter whose name says it holds a secret ({@link isSecretName}: `api_key`,
 * `token`, `password`, ...), and a fragment whole. The rest is kept as written.
 *
 * The user part is everything between the scheme's `://` (or the start, past a leading `scheme:/` and
 * slashes, in a text that is no URL: `user:pw@collector:4318`, `//user:pw@c`) and the text's last `@`,
 * wherever that is: a password may hold `/`, `?` or `#` (a base64 token does), which a URL parser reads
 * as the end of the authority, so that `http://t0k/en@c:4318` is a valid URL whose "path" is the rest
 * of a token. This masks more than needed when an `@` is in a path or a query (`c:4318/a@b` →
 * `c:***@b`), rather than show a secret.
 * Never throws.
 */
export function maskUrl(url: string): string {
  const at = url.lastIndexOf("@");
  if (at < 0) return maskQueryAndFragment(url);
  const prefix = /^(?:[a-z][a-z\d+.-]*:(?=[/\\]))?[/\\]*/i.exec(url)?.[0].length ?? 0;
  return url.slice(0, prefix) + userMasked(url.slice(prefix, at)) + maskQueryAndFragment(url.slice(at));
}

/** `text` (a URL, or the rest of one after its user part) with its secret query values and fragment masked. */
function maskQueryAndFragment(text: string): string {
  const hash = text.indexOf("#");
  const beforeFragment = hash < 0 ? text : text.slice(0, hash);
  const question = beforeFragment.indexOf("?");
  const head = question < 0 ? beforeFragment : beforeFragment.slice(0, question);
  const query = question < 0 ? "" : `?${maskPairs(beforeFragment.slice(question + 1))}`;
  // A fragment is never sent: nothing in it is needed to tell the endpoint, and it may hold anything.
  const fragment = hash < 0 ? "" : hash === text.length - 1 ? "#" : "#***";
  return head + query + fragment;
}

/**
 * A user part (`user:password`, or a token alone) masked: `user:***`, or `***` whole when there is no
 * password (a token alone), an empty one (`TOKEN:`), or a user name that holds `/`, `\`, `?`, `#` or
 * `@` (part of a secret, not a name).
 */
function userMasked(userinfo: string): string {
  const colon = userinfo.indexOf(":");
  if (colon < 0 || colon === userinfo.length - 1) return "***";
  const user = userinfo.slice(0, colon);
  return /[/\\?#@]/.test(user) ? "***" : `${user}:***`;
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
