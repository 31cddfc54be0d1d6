// The built-in rules. Expressions run on decoded string text, never on keys.
// Precision first: shapes that collide with ids, timestamps, amounts or
// versions are either validated (Luhn, mod-97, inet_pton...) or need context.
#include "core/rules.h"

#include <hs/hs.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::core::rules {
namespace {

// Group separators. A space is also either no-break space: NBSP (U+00A0)
// and narrow NBSP (U+202F), which French typography puts in phone, card and
// IBAN numbers, and which numbers copied from web pages and PDFs carry.
// Newlines and tabs never join a number. The two no-break spaces spelled as
// escapes of a nested string join one too, in each rule's variant for
// clusters that hold one (with_nested_spaces).
#define NBSPS "|\\xC2\\xA0|\\xE2\\x80\\xAF)"
#define SEP "(?:[ .\\-]" NBSPS // phones: space, dot, dash
#define SP "(?: " NBSPS        // phones, SSNs, IBANs: space only
#define CSEP "(?:[ \\-]" NBSPS // cards: space, dash
// An extension glued to a phone number ("415-555-0123x12"), masked with it.
#define EXT "(?:[xX][0-9]{1,5})?"
// A letter of an e-mail address beyond ASCII (scan::mail_letter: Latin,
// Greek, Cyrillic and Armenian, U+00C0-U+05BF, two bytes in UTF-8; the two
// signs among them, × and ÷, are refused in code).
// A word's start for the national identifiers' words: the buffer's start
// or a byte that is no letter, digit or a label's ']' ('_' may be:
// "patient_nhs_number").
#define WORD_START "(?:^|[^\\]0-9A-Za-z])"
// What may follow such a word in a name ("nhs_number", "cpfno"), and the
// byte after the word: one that may stand before its value (a space, a
// no-break space's first byte (U+00A0, U+202F), ':', '#', '=', '-', '.',
// quotes, a nested document's backslash, a tab, Markdown's '*' and '|'). The
// literals end so, not at a word boundary: the nine rules cost the medium bench
// body 4.4% so, 3% this way (measured in one process, the rules on and off).
#define WORD_END "[ :#=\\-.\"'\\\\\\t\\xC2\\xE2*|]"
// An e with an acute accent in a word, in either case, also as a nested
// document spells it ("s\\u00e9curit\\u00e9": json.dumps' escapes): the
// caseless flag folds ASCII letters only.
#define E_ACUTE "(?:e|\\xc3\\xa9|\\xc3\\x89|\\\\u00e9|\\\\u00c9)"
#define NAMING_SUFFIX                                                          \
  "(?:_?(?:card_?)?(?:number|numero|num|no|nr)|_?card)?" WORD_END
#define MAIL_LETTER "[\\xC3-\\xD6][\\x80-\\xBF]"

using P = precision;

// The table keeps one rule per paragraph, fields in struct order.
// clang-format off
const rule_def k_rules[] = {
    // ---------------------------------------------------------------- secrets
    {{"private_key", "PRIVATE_KEY", P::specific_secret, true,
      "PEM, OpenSSH or PGP private key block, BEGIN through END (whole "
      "block); a PuTTY .ppk file, its header through its Private-MAC line"},
     // max_len: the longest header, 10 + 40 + 23 bytes (the block itself
     // is extended to its END line in code).
     "-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----|"
     "PuTTY-User-Key-File-[1-3]:",
     0, 73, edge::none,
     edge::none, check::private_key, context::none,
     locator::prefix, "-----BEGIN", " -"},
    {{"password_hash", "PASSWORD_HASH", P::specific_secret, true,
      "password hash in the Modular Crypt Format (/etc/shadow, htpasswd, "
      "user tables): bcrypt $2a$/$2b$/$2y$, sha512crypt $6$, sha256crypt "
      "$5$, md5crypt $1$/$apr1$, yescrypt $y$, Argon2 $argon2id$/i/d; "
      "each format's exact lengths (offline cracking recovers weak "
      "passwords from them)"},
     "\\$(?:2[abxy]\\$[0-3][0-9]\\$|[156]\\$|apr1\\$|y\\$|"
     "argon2(?:id|i|d)\\$)[./A-Za-z0-9+=,$\\\\]{8}",
     0, 400, edge::none, edge::alnum, check::password_hash, context::none,
     locator::prefix,
     "$2a$|$2b$|$2y$|$2x$|$6$|$5$|$1$|$apr1$|$y$|$argon2id$|$argon2i$|"
     "$argon2d$",
     "$./+=,\\"},
    {{"aws_access_key_id", "AWS_ACCESS_KEY", P::specific_secret, true,
      "AWS access key id: AKIA/ASIA/ABIA/ACCA + 16 upper-case alphanumerics"},
     "(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}", 0, 20, edge::alnum, edge::alnum,
     check::none, context::none,
     locator::prefix, "A", ""},
    {{"aws_secret_access_key", "AWS_SECRET_KEY", P::specific_secret, true,
      "AWS secret access key (40 base64 chars) after an aws_secret_access_key "
      "/ SecretAccessKey label"},
     // Also after a space alone: "aws configure set aws_secret_access_key
     // KEY".
     "(?:aws_?secret_?access_?key|secret_?access_?key)(?:[\"'\\\\ ]{0,4}[:=][ "
     "]{0,3}[\"'\\\\]{0,3}| {1,3})[A-Za-z0-9/+]{40}",
     HS_FLAG_CASELESS, 100, edge::alnum, edge::b64, check::aws_secret,
     context::none,
     locator::tail40},
    {{"github_token", "GITHUB_TOKEN", P::specific_secret, true,
      "GitHub token gh[pousr]_ + 36 base62 (valid CRC32, or random-looking)"},
     "gh[pousr]_[A-Za-z0-9]{36}", 0, 40, edge::alnum, edge::alnum,
     check::github_token, context::none,
     locator::prefix, "gh", "_"},
    {{"github_pat", "GITHUB_TOKEN", P::specific_secret, true,
      "GitHub fine-grained personal access token github_pat_..."},
     "github_pat_[A-Za-z0-9_]{82}", 0, 93, edge::alnum, edge::alnum,
     check::none, context::none,
     locator::prefix, "github_pat_", "_"},
    {{"gitlab_token", "GITLAB_TOKEN", P::specific_secret, true,
      "GitLab token: personal/project/group access glpat-, OAuth application "
      "gloas-, deploy gldt-, runner glrt-, CI job glcbt-, trigger glptt-, "
      "feed glft-, incoming mail glimt-, agent glagent-, SCIM glsoat-, "
      "feature flags glffct-"},
     "gl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct)-[A-Za-z0-9_\\-]{20}",
     0, 300, edge::alnum, edge::token, check::none, context::none,
     locator::prefix,
     "glpat-|gloas-|gldt-|glrt-|glcbt-|glptt-|glft-|glimt-|glagent-|glsoat-|"
     "glffct-",
     "_-"},
    {{"slack_token", "SLACK_TOKEN", P::specific_secret, true,
      "Slack token xox[abposr]-..., app-level token xapp-..."},
     "xox[abposr]-[0-9]{6,16}-[A-Za-z0-9]{8}|xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{8}",
     0, 230,
     edge::alnum, edge::token, check::none, context::none,
     locator::prefix, "xox|xapp-", "-"},
    {{"slack_webhook", "SLACK_WEBHOOK", P::specific_secret, true,
      "Slack incoming-webhook URL hooks.slack.com/services/T.../B.../... (the "
      "scheme stays)"},
     "hooks\\.slack\\.com/services/T[A-Z0-9]{6}", 0, 120, edge::alnum,
     edge::token, check::none, context::none,
     locator::prefix, "hooks.slack.com/services/", "./"},
    {{"discord_webhook", "DISCORD_WEBHOOK", P::specific_secret, true,
      "Discord webhook URL discord.com/api/webhooks/<id>/<token> (also "
      "discordapp.com; the scheme stays)"},
     "discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\\-]{16}", 0,
     120, edge::alnum, edge::token, check::none, context::none,
     locator::prefix, "discord.com/api/webhooks/|discordapp.com/api/webhooks/",
     "./_-"},
    {{"anthropic_key", "ANTHROPIC_KEY", P::specific_secret, true,
      "Anthropic API key sk-ant-api03-..."},
     "sk-ant-(?:api|admin|oat)[0-9]{2}-[A-Za-z0-9_\\-]{80}", 0, 130,
     edge::alnum, edge::token, check::none, context::none,
     locator::prefix, "sk-ant-", "_-"},
    {{"openai_key", "OPENAI_KEY", P::specific_secret, true,
      "OpenAI API key: legacy and project/service keys carrying T3BlbkFJ, or "
      "sk-proj-/sk-svcacct-/sk-admin- keys"},
     "sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\\-]{40}|[A-Za-z0-9_\\-]{"
     "16,80}T3BlbkFJ)",
     0, 260, edge::alnum, edge::token, check::none, context::none,
     locator::prefix, "sk-", "_-"},
    {{"ai_provider_key", "AI_API_KEY", P::specific_secret, true,
      "API key of an AI provider: Hugging Face hf_/api_org_, Groq gsk_, "
      "Perplexity pplx-, xAI xai-, Replicate r8_, OpenRouter sk-or-v1-, "
      "LangSmith lsv2_pt_/lsv2_sk_, Pinecone pcsk_, Jina jina_, Voyage pa-, "
      "E2B e2b_, Together tgp_v1_, DeepSeek/DashScope sk- + 32 hex (each its "
      "own length and alphabet)"},
     // Short trigger; the key's length and alphabet are checked in code
     // (validate::vendor_key).
     "(?:hf_|api_org_|gsk_|pplx-|xai-|r8_|lsv2_pt_|lsv2_sk_)[A-Za-z0-9]{16}|"
     "sk-or-v1-[0-9a-f]{16}|(?:pcsk_|jina_|pa-|tgp_v1_)[A-Za-z0-9_\\-]{16}|"
     "(?:e2b_|sk-)[0-9a-f]{16}",
     0, 124, edge::alnum, edge::token, check::vendor_key, context::none,
     locator::prefix, "hf_|api_org_|gsk_|pplx-|xai-|r8_|lsv2_pt_|lsv2_sk_|"
     "sk-or-v1-|pcsk_|jina_|pa-|tgp_v1_|e2b_|sk-", "_-"},
    {{"package_registry_token", "REGISTRY_TOKEN", P::specific_secret, true,
      "package registry token: npm npm_, PyPI pypi-AgEIcHlwaS5vcmc..., "
      "RubyGems rubygems_, Clojars CLOJARS_"},
     "npm_[A-Za-z0-9]{16}|pypi-AgEIcHlwaS5vcmc|rubygems_[0-9a-f]{16}|"
     "CLOJARS_[A-Za-z0-9]{16}",
     0, 1020, edge::alnum, edge::token, check::vendor_key, context::none,
     locator::prefix, "npm_|pypi-|rubygems_|CLOJARS_", "_-"},
    {{"saas_api_key", "API_KEY", P::specific_secret, true,
      "API key or token of a service an agent's tools call: SendGrid SG., "
      "Shopify shpat_/shpca_/shppa_/shpss_, DigitalOcean dop_/doo_/dor_v1_, "
      "Docker Hub dckr_pat_, HashiCorp Vault hvs., Databricks dapi, "
      "Supabase sbp_, Linear lin_api_, Postman PMAK-, Grafana glsa_, New "
      "Relic NRAK-/NRII-, Tavily tvly-, Firecrawl fc-, Mailgun key-, a "
      "Telegram bot's token after its id and ':', Notion ntn_, Sentry "
      "sntryu_, Heroku HRKU-, Doppler dp.*., PostHog phx_, Square sq0atp-/"
      "sq0csp-, Pulumi pul-, Dropbox sl., Figma figd_, HubSpot pat-na1-, "
      "Airtable pat, Brevo xkeysib-, PlanetScale pscale_, Fly.io fo1_, "
      "Shippo, Flutterwave FLWSECK-, Contentful CFPAT-, Dynatrace dt0c01., "
      "EasyPost EZAK, Infracost ico-, Prefect pnu_, ReadMe rdme_, Scalingo "
      "tk-us-, Resend re_, Alibaba LTAI, Adobe p8e-, Artifactory AKCp, "
      "Duffel, Vault hvb., Twilio SK, Cloudflare v1.0- (each its own length "
      "and alphabet)"},
     "(?:SG\\.|hvs\\.|dckr_pat_|:AA)[A-Za-z0-9_\\-]{16}|"
     "(?:shpat_|shpca_|shppa_|shpss_|dop_v1_|doo_v1_|dor_v1_|dapi|sbp_|"
     "lin_api_|PMAK-|glsa_|NRAK-|tvly-dev-|tvly-|fc-|key-)[A-Za-z0-9]{16}|"
     "(?:ntn_|phx_|pnu_|ico-|p8e-|EZAK|EZTK|LTAI|AKCp)[A-Za-z0-9]{16}|"
     "(?:sntryu_|pul-|shippo_live_|shippo_test_|SK|xkeysib-|xsmtpsib-)"
     "[0-9a-f]{16}|"
     "(?:HRKU-AA|sq0atp-|sq0csp-|figd_|pscale_tkn_|pscale_pw_|pscale_oauth_|"
     "fo1_|CFPAT-|tk-us-|duffel_live_|duffel_test_|hvb\\.|NRII-|sl\\.|"
     "sl\\.u\\.)[A-Za-z0-9_\\-]{16}|"
     "dp\\.(?:pt|ct|sa|scim|audit|st)\\.[A-Za-z0-9_.\\-]{16}|"
     "pat-(?:na|eu)1-[0-9a-f]{8}-|pat[A-Za-z0-9]{14}\\.[0-9a-f]{8}|"
     "FLWSECK(?:_TEST)?-[0-9a-z]{16}|dt0c01\\.[A-Za-z0-9]{16}|"
     "rdme_[a-z0-9]{16}|re_[A-Za-z0-9]{8}_[A-Za-z0-9]{8}|v1\\.0-[0-9a-f]{24}-",
     0, 320, edge::alnum, edge::token, check::vendor_key, context::none,
     locator::prefix,
     "SG.|hvs.|dckr_pat_|shpat_|shpca_|shppa_|shpss_|dop_v1_|doo_v1_|dor_v1_|"
     "dapi|sbp_|lin_api_|PMAK-|glsa_|NRAK-|tvly-|fc-|key-|AA|ntn_|phx_|pnu_|"
     "ico-|p8e-|EZAK|EZTK|LTAI|AKCp|sntryu_|pul-|shippo_|SK|xkeysib-|"
     "xsmtpsib-|HRKU-AA|sq0atp-|sq0csp-|figd_|pscale_|fo1_|CFPAT-|tk-us-|"
     "duffel_|hvb.|NRII-|sl.|dp.|pat|FLWSECK|dt0c01.|rdme_|re_|v1.0-",
     "_-."},
    {{"service_token", "API_KEY", P::specific_secret, true,
      "token of a service written in base64 with '+', '/' or '=': Sentry "
      "org sntrys_, 1Password service account ops_, Fly.io fm1a_/fm1r_/fm2_, "
      "Grafana Cloud glc_eyJ, Frame.io fio-u-, Atlassian ATATT3, an age secret "
      "key AGE-SECRET-KEY-1 (each its own length and alphabet)"},
     "(?:sntrys_eyJ|ops_eyJ|fm1a_|fm1r_|fm2_|glc_eyJ|fio-u-|ATATT3)"
     "[A-Za-z0-9+/_\\-]{16}|AGE-SECRET-KEY-1[0-9A-Z]{16}",
     0, 2020, edge::alnum, edge::b64, check::vendor_key, context::none,
     locator::prefix,
     "sntrys_|ops_|fm1a_|fm1r_|fm2_|glc_eyJ|fio-u-|ATATT3|AGE-SECRET-KEY-1",
     "_-+/="},
    {{"langfuse_secret_key", "LANGFUSE_SECRET_KEY", P::specific_secret, true,
      "Langfuse secret key sk-lf-<uuid> (public pk-lf- keys are kept)"},
     "sk-lf-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-"
     "fA-F]{12}",
     0, 42, edge::alnum, edge::token, check::none, context::none,
     locator::prefix, "sk-lf-", "-"},
    {{"stripe_key", "STRIPE_KEY", P::specific_secret, true,
      "Stripe secret/restricted key sk_/rk_ live|test (publishable pk_ kept)"},
     "(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16}", 0, 255, edge::alnum,
     edge::alnum, check::none, context::none,
     locator::prefix, "sk_|rk_", "_"},
    {{"stripe_webhook_secret", "STRIPE_KEY", P::specific_secret, true,
      "Stripe webhook signing secret whsec_..."},
     "whsec_[A-Za-z0-9+/=]{24}", 0, 106, edge::alnum, edge::b64,
     check::none, context::none,
     locator::prefix, "whsec_", "_+/="},
    {{"google_api_key", "GOOGLE_API_KEY", P::specific_secret, true,
      "Google API key AIza + 35 chars"},
     "AIza[0-9A-Za-z_\\-]{35}", 0, 39, edge::alnum, edge::token, check::none,
     context::none,
     locator::prefix, "AIza", "_-"},
    {{"google_oauth_token", "GOOGLE_OAUTH_TOKEN", P::specific_secret, true,
      "Google OAuth access token ya29...."},
     "ya29\\.[0-9A-Za-z_\\-]{20}", 0, 256, edge::alnum, edge::token,
     check::none, context::none,
     locator::prefix, "ya29.", "_-."},
    {{"jwt", "JWT", P::specific_secret, true,
      "JSON Web Token: eyJ header (must decode to a JSON object with alg), "
      "payload, signature; or encrypted (JWE: five segments, enc in the "
      "header)"},
     // Pass 1 finds the header's start; the token is located in code and
     // its three segments checked by the validator (a longer trigger with
     // the dot costs pass 1 three times as much).
     "eyJ[A-Za-z0-9_\\-]{8}",
     0, 12000, edge::token, edge::token, check::jwt, context::none,
     locator::prefix, "eyJ", "_-."},
    {{"bearer_token", "BEARER_TOKEN", P::generic_secret, true,
      "Bearer credential (Authorization: Bearer <token>); the scheme word "
      "stays, the token is masked"},
     "bearer[ ]{1,4}[A-Za-z0-9\\-._~+/]{16}", HS_FLAG_CASELESS, 4020,
     edge::alnum, edge::b64, check::bearer, context::none,
     locator::scheme_token},
    {{"basic_auth", "BASIC_AUTH", P::generic_secret, true,
      "Basic credential (Authorization: Basic <base64 user:password>)"},
     "basic[ ]{1,4}[A-Za-z0-9+/]{8}", HS_FLAG_CASELESS, 420,
     edge::alnum, edge::b64, check::basic_auth, context::none,
     locator::scheme_token},
    {{"url_password", "PASSWORD", P::generic_secret, true,
      "password in scheme://user:password@host (only the password is masked)"},
     // No NUL (the rescan of glued values blanks masked ranges with it) and
     // no '[' or ']' (RFC 3986 userinfo has neither; a label starts with
     // '['): a password never runs over a value masked before it, so the
     // masked ranges stay disjoint and a second pass finds nothing new.
     "[A-Za-z][A-Za-z0-9+.\\-]{1,20}://[^\\s:/@\"\\\\<>\\[\\]\\x00]{0,64}:"
     "[^\\s/@\"\\\\<>\\[\\]\\x00]{1,128}@",
     0, 220, edge::none, edge::none, check::url_password, context::none,
     locator::url_password},

    {{"password_assignment", "PASSWORD", P::generic_secret, true,
      "value assigned to a password name: password=..., Password=...; in a "
      "connection string (also PWD=), \"password\": \"...\", a query's "
      "pass= / pw=, a name ending in _pass or -pass (DB_PASS=..., "
      "--smtp-pass=...), \"my password is ...\", the word in 16 other "
      "languages (Passwort, mot de passe, пароль, 密码...), .netrc, SQL "
      "(PASSWORD '...', IDENTIFIED BY '...'), redis.conf, YAML blocks (the "
      "name stays)"},
     // The names alone, as literals (a separator after a variable gap made
     // each expression cost pass 1 ~5%): the separator and the value are
     // found and judged in code (scan::confirm_assignment).
     "password|passwd|passphrase|pwd|[?&;]pass=|[?&;]pw=|_pass|-pass|"
     // SQL's IDENTIFIED BY 'PW', Redis's configuration; sshpass -e's and
     // redis-cli's variables
     "identified by|requirepass|masterauth|sshpass=|rediscli_auth|"
     // In the corpus's languages: German, French, Spanish, Dutch, Polish,
     // Portuguese, Swedish, Norwegian, Finnish, Czech, Russian (пароль
     // without its first letter: Hyperscan folds ASCII only, and П/п
     // differ), Chinese (simplified and traditional), Japanese, Korean.
     // Each literal costs pass 1 (22 cost the medium bench body ~3%).
     "passwort|kennwort|mot de passe|contrase\\xc3\\xb1a|wachtwoord|"
     "has\\xc5\\x82o|senha|l\\xc3\\xb6senord|passord|salasana|heslo|"
     "\\xd0\\xb0\\xd1\\x80\\xd0\\xbe\\xd0\\xbb\\xd1\\x8c|"
     "\\xe5\\xaf\\x86\\xe7\\xa0\\x81|\\xe5\\xaf\\x86\\xe7\\xa2\\xbc|"
     "\\xe3\\x83\\x91\\xe3\\x82\\xb9\\xe3\\x83\\xaf\\xe3\\x83\\xbc\\xe3\\x83\\x89|"
     "\\xeb\\xb9\\x84\\xeb\\xb0\\x80\\xeb\\xb2\\x88\\xed\\x98\\xb8",
     HS_FLAG_CASELESS,
     300, edge::none, edge::none, check::password, context::none,
     locator::assignment},
    {{"secret_assignment", "SECRET", P::generic_secret, true,
      "value assigned to a secret's name: secret, secret_key, client_secret, "
      "api_key, X-API-Key, access/refresh/auth/session/api/bot token, GitLab's "
      "PRIVATE-TOKEN, any other name ending in _token, -token or Token when "
      "the value looks like a key (HF_TOKEN=..., csrfToken: ...), and any "
      "other name ending in _key, -key or Key when the value looks like a "
      "secret (DD_APPLICATION_KEY=...), AccountKey, "
      "SharedAccessKey, Azure's Ocp-Apim-Subscription-Key, S3's "
      "X-Amz-Security-Token and signatures, and a "
      "URL's token= and (Azure SAS) sig=, and key=, auth= and access_key= "
      "when the value looks like a key, a Docker config's \"auth\" and "
      ".npmrc's _auth= when it is base64 of user:password (the name stays)"},
     "secret|secret_key|secret-key|secretkey|api_key|api-key|apikey|"
     // Rails
     "secret_key_base|"
     // Every name ending in a separate "token" (access_token, X-Auth-Token,
     // HF_TOKEN): scan::confirm_assignment tells the names that hold a
     // credential whatever it looks like from the others, whose value must
     // look like a key ("max_tokens=", "eos_token: <s>" stay).
     "_token|-token|(?-i:[a-z]Token)|"
     // The same for a separate "key" (DD_APPLICATION_KEY=, x-functions-key:),
     // whose value must look like a secret.
     "_key|-key|(?-i:[a-z]Key)|"
     "accountkey|sharedaccesskey|api key|secret key|"
     "signature|subscription-key|subscription_key|"
     // Names too common as words to trigger alone: only as a URL's query
     // parameter, the separator in the literal (key, auth and access_key
     // take only a key's value: scan::confirm_assignment).
     "[?&]token=|[?&]sig=|[?&]key=|[?&]auth=|[?&]access_key=|"
     // A Docker config's quoted "auth", .npmrc's _auth= (base64 of
     // user:password, checked in code)
     "\"auth|_auth=",
     HS_FLAG_CASELESS, 300, edge::none, edge::none, check::assignment,
     context::none, locator::assignment},

    {{"cli_password", "PASSWORD", P::generic_secret, true,
      "password given on a command line: curl -u/--user user:PASSWORD, "
      "mysql/mariadb/mysqldump/mysqladmin -pPASSWORD, redis-cli -a, sshpass "
      "-p, docker login -p/--password, sqlcmd -P, mongo/mongosh -p, "
      "ldapsearch/ldapadd/ldapmodify/ldapdelete -w, keytool -storepass/"
      "-keypass, openssl -passin/-passout/-pass pass:PASSWORD, openssl "
      "passwd PASSWORD, htpasswd -b FILE USER PASSWORD / -nb USER PASSWORD, "
      "az login -p/--password PASSWORD, net user USER PASSWORD, openssl enc "
      "-k PASSWORD, zip/unzip -P PASSWORD, 7z -pPASSWORD, smbclient -U "
      "user%PASSWORD, rabbitmqctl add_user/change_password USER PASSWORD, "
      "curl -b/--cookie NAME=VALUE..., echo "
      "USER:PASSWORD | chpasswd, Redis's AUTH [USER] PASSWORD after its "
      "prompt, SMTP's AUTH PLAIN CREDENTIAL (the command stays)"},
     // The command names; the options are parsed in code
     // (scan::confirm_cli_password) up to the end of the command.
     "curl|mysql|mariadb|mysqldump|mysqladmin|redis-cli|sshpass|docker|"
     "sqlcmd|mongo|mongosh|ldapsearch|ldapadd|ldapmodify|ldapdelete|keytool|"
     "openssl|htpasswd|az login|net user|chpasswd|AUTH|zip |7z |smbclient|"
     "rabbitmqctl",
     0, 400, edge::none, edge::none, check::cli_password, context::none,
     locator::command},
    {{"call_password", "PASSWORD", P::generic_secret, true,
      "password or secret a call in code passes as a string literal, by its "
      "place: login(USER, PW), HTTPBasicAuth/BasicAuth/SetBasicAuth(USER, "
      "PW), auth=(USER, PW), smtp.PlainAuth(ID, USER, PW, HOST), "
      "NetworkCredential/...Credentials(USER, PW), ClientSecretCredential("
      "TENANT, CLIENT, SECRET), mysqli_connect/new PDO(HOST, USER, PW), "
      "simple_bind_s(DN, PW), getConnection(URL, USER, PW), FTP(HOST, USER, "
      "PW), add_password(REALM, URI, USER, PW), nodemailer's { user: ..., "
      "pass: PW } (the call stays)"},
     // The call names; the arguments are read in code
     // (scan::call_password_value).
     "login\\(|Auth\\(|auth=\\(|auth = \\(|Credential\\(|Credentials\\(|"
     "_connect\\(|PDO\\(|simple_bind|pass:|getConnection\\(|FTP\\(|FTP_TLS\\(|"
     "add_password\\(",
     0, 4400, edge::none, edge::none, check::call_password, context::none,
     locator::after_word},
    {{"dsn_password", "PASSWORD", P::generic_secret, true,
      "password of a Go MySQL DSN, USER:PASSWORD@tcp(HOST)/DB or "
      "@unix(SOCKET) (only the password is masked)"},
     // The protocol's "@tcp(" after the password; read back in code
     // (scan::dsn_password).
     "@tcp\\(|@unix\\(", 0, 270, edge::none, edge::none,
     check::dsn_password, context::none, locator::before_word},
    {{"authorization_header", "CREDENTIAL", P::generic_secret, true,
      "credential of an Authorization header of another scheme than Bearer "
      "and Basic (Token, ApiKey, Key, Digest...), or a bare one (the "
      "scheme stays)"},
     "authorization", HS_FLAG_CASELESS, 300, edge::none, edge::none,
     check::authorization, context::none, locator::assignment},
    {{"cookie_header", "CREDENTIAL", P::generic_secret, true,
      "value of a Cookie or Set-Cookie header, to the end of its line "
      "(session cookies are credentials; the header name stays)"},
     "cookie", HS_FLAG_CASELESS, 8192, edge::none, edge::none, check::cookie,
     context::none, locator::assignment},

    // -------------------------------------------------------------------- PII
    // National identifiers: each right after its word or under a key named
    // for it, its check digits or letters verified; bare, without the word,
    // they are kept (most are 9-12 digits, the shapes of phones and ids).
    // Before the phones: on the same bytes, the identifier's label wins.
    // The expressions hold the words alone, no letter, digit or a label's
    // ']' before them (a masked value glued to the word must not
    // let a second pass find it); scan::national_id_value reads the rest.
    {{"uk_nino", "UK_NINO", P::pii, true,
      "UK National Insurance number right after national insurance "
      "(number, no.), NI number, NI no or NINO: AB123456C or AB 12 34 56 C, "
      "its letters checked (the word stays)"},
     WORD_START "(?:national[ _-]?insurance|ni[ _-]?(?:number|no)|nino)"
     NAMING_SUFFIX,
     HS_FLAG_CASELESS, 50, edge::none, edge::none, check::nino, context::none,
     locator::after_word},
    {{"uk_nhs_number", "UK_NHS", P::pii, true,
      "UK NHS number right after NHS (number, no.): 943 476 5919, "
      "943-476-5919 or 9434765919, its mod-11 check digit verified (the "
      "word stays)"},
     WORD_START "nhs" NAMING_SUFFIX, HS_FLAG_CASELESS, 40, edge::none,
     edge::none, check::nhs_number, context::none, locator::after_word},
    {{"ca_sin", "CA_SIN", P::pii, true,
      "Canadian Social Insurance Number right after SIN, social insurance "
      "number or NAS: 3-3-3 digits or 9 unbroken, Luhn verified (the word "
      "stays)"},
     WORD_START "(?:sin|social[ _-]?insurance|nas|num" E_ACUTE
     "ro d'assurance sociale)" NAMING_SUFFIX,
     HS_FLAG_CASELESS, 40, edge::none, edge::none, check::ca_sin,
     context::none, locator::after_word},
    {{"de_tax_id", "DE_TAX_ID", P::pii, true,
      "German tax id right after Steuer-ID, Steuer-IdNr, "
      "(steuerliche) Identifikationsnummer, IdNr, tax id or TIN: 11 digits "
      "(or 2-3-3-3), its digit pattern and ISO 7064 check digit verified "
      "(the word stays)"},
     WORD_START "(?:steuer[ _-]?id(?:[ _-]?nr)?|(?:steuer|steuerliche )?"
     "identifikationsnummer|idnr|tax[ _-]?id|tin)" NAMING_SUFFIX,
     HS_FLAG_CASELESS, 60, edge::none, edge::none, check::de_tax_id,
     context::none, locator::after_word},
    {{"fr_nir", "FR_NIR", P::pii, true,
      "French social security number (NIR) right after s\xc3\xa9"
      "curit\xc3\xa9 sociale, s\xc3\xa9"
      "cu, NIR or INSEE: 15 characters, unbroken "
      "or spaced 1 84 12 76 451 089 46, Corsica's 2A/2B, its key (97 - "
      "mod 97) verified (the word stays)"},
     WORD_START "(?:s" E_ACUTE "cu(?:rit" E_ACUTE " sociale)?|nir|insee)"
     NAMING_SUFFIX,
     HS_FLAG_CASELESS, 40, edge::none, edge::none, check::fr_nir,
     context::none, locator::after_word},
    {{"es_nif", "ES_NIF", P::pii, true,
      "Spanish DNI (12345678Z, 12.345.678-Z) or NIE (X1234567L) right after "
      "DNI, NIE, NIF or documento nacional de identidad, its check letter "
      "verified (the word stays)"},
     WORD_START "(?:dni|nie|nif|documento nacional de identidad)"
     NAMING_SUFFIX,
     HS_FLAG_CASELESS, 50, edge::none, edge::none, check::es_nif,
     context::none, locator::after_word},
    {{"it_fiscal_code", "IT_FISCAL_CODE", P::pii, true,
      "Italian codice fiscale (RSSMRA85T10A562S) right after codice "
      "fiscale, cod. fisc., C.F., CF, fiscal code or tax code, any case, "
      "its check letter verified (the word stays)"},
     WORD_START "(?:codice[ _-]?fiscale|cf|fiscal[ _-]?code|tax[ _-]?"
     "code|cod\\. ?fisc\\.|c\\.f\\.)" WORD_END,
     HS_FLAG_CASELESS, 40, edge::none, edge::none, check::it_fiscal_code,
     context::none, locator::after_word},
    {{"br_cpf", "BR_CPF", P::pii, true,
      "Brazilian CPF right after CPF: 529.982.247-25, 529982247-25 or "
      "52998224725, both check digits verified (the word stays)"},
     WORD_START "cpf" NAMING_SUFFIX, HS_FLAG_CASELESS, 40, edge::none,
     edge::none, check::br_cpf, context::none, locator::after_word},
    {{"in_aadhaar", "IN_AADHAAR", P::pii, true,
      "Indian Aadhaar number right after Aadhaar (Aadhar, UIDAI, "
      "\xe0\xa4\x86\xe0\xa4\xa7\xe0\xa4\xbe\xe0\xa4\xb0): "
      "2345 6789 0124 or 12 unbroken digits, its Verhoeff check digit "
      "verified (the word stays)"},
     WORD_START "(?:(?:aadhaa?r|uidai)" NAMING_SUFFIX
     // Devanagari, also as json.dumps spells it in a nested document.
     "|(?:\xe0\xa4\x86\xe0\xa4\xa7\xe0\xa4\xbe\xe0\xa4\xb0|"
     "\\\\u0906\\\\u0927\\\\u093e\\\\u0930)" WORD_END ")",
     HS_FLAG_CASELESS, 40, edge::none, edge::none, check::in_aadhaar,
     context::none, locator::after_word},
    {{"in_pan", "IN_PAN", P::pii, true,
      "Indian PAN (ABCPE1234F, capitals, the fourth letter a holder's "
      "kind) right after PAN or permanent account number (the word "
      "stays)"},
     WORD_START "(?:pan|permanent account)" NAMING_SUFFIX, HS_FLAG_CASELESS,
     40, edge::none, edge::none, check::in_pan, context::none,
     locator::after_word},
    {{"email", "EMAIL", P::pii, true,
      "e-mail address (plus tags, subdomains, apostrophes, any case; the "
      "'@' also percent-encoded, as in a URL's query: jane%40example.com)"},
     // Pass 1 runs this trigger; its hit is kept only where a dot and an
     // alphanumeric follow within 63 domain characters (masker.cpp, in
     // code: the bounded repeat made this rule a third of pass 1), so
     // "a@a@a@..." does not hit at every '@'. The domain is walked in code.
     "(?:[A-Za-z0-9._%+'\\-]|" MAIL_LETTER ")(?:@|%40)(?:[A-Za-z0-9]|" MAIL_LETTER
     ")",
     0, 254, edge::none, edge::none, check::email, context::none,
     locator::email},
    {{"phone_intl", "PHONE", P::pii, true,
      "international/E.164 phone number: + (or the 00 dialling prefix, with "
      "a separator; or %2B, a URL's +) and country code, 8-15 digits, "
      "separators and (0) trunk allowed"},
     "(?:\\+|00|%2[Bb])[1-9](?:(?:" SEP "|" SEP "?\\(0?\\)?" SEP "?|\\)" SEP
     "?)?[0-9]){6,16}" EXT,
     0, 50, edge::alnum, edge::alnum, check::phone_intl, context::none},
    {{"phone_nanp", "PHONE", P::pii, true,
      "US/CA number with separators: (415) 555-0123, 415-555-0123, "
      "415.555.0123, 1-415-555-0123, +1 415 555 0123"},
     "(?:\\+?1" SEP "?)?(?:\\([2-9][0-9]{2}\\)" SEP "?|[2-9][0-9]{2}" SEP
     ")[0-9]{3}" SEP "[0-9]{4}" EXT,
     0, 30, edge::alnum, edge::alnum, check::phone_nanp, context::none},
    {{"phone_national", "PHONE", P::pii, true,
      "national formats with a trunk 0 or a distinctive grouping: UK, DE, FR, "
      "NL, BE, CH, SE, ES, PL, IT, CN/IN/KR mobiles, JP, BR, MX, AU, ZA"},
     // UK 020 7946 0958 / 07700 900123; DE 030 12345678 / 0151-12345678;
     // FR 01 45 97 37 64; NL 06-12345678; BE 0470 12 34 56; CH 044 668 18 00;
     // SE 070-123 45 67, NL 020-123 45 67; DE 030 / 901820;
     // JP 03-1234-5678; KR 010-1234-5678;
     // CN 138 0013 8000; IN 98765 43210; IT 347 123 4567;
     // BR (11) 91234-5678; AU 0412 345 678 / (02) 9374 4000; ZA 082 123 4567;
     // IT 06 1234 5678; SE 08-123 456 78; ES 612 34 56 78 / 91 123 45 67,
     // BE 02 123 45 67, PL 22 123 45 67; MX (55) 1234 5678; IT 333 1234567;
     // the trunk area code in brackets: UK (020) 7946 0958 / (01632) 960000,
     // DE (030) 1234 5678 / (089) 12345678; UK (0)20 7946 0958; RU/KZ/BY
     // with trunk 8, 8 (495) 123-45-67
     "(?:0[1-9][0-9]{1,3}" SEP "[0-9]{3,4}" SEP "?[0-9]{3,4}"
     "|0[1-9][0-9]{1,4}(?:[ /\\-]| / )[0-9]{5,8}"
     "|0[1-9](?:" SEP "[0-9]{2}){4}"
     "|06[ \\-][0-9]{8}"
     "|04[0-9]{2}(?:" SP "[0-9]{2}){3}"
     "|0[1-9][0-9]" SP "[0-9]{3}" SP "[0-9]{2}" SP "[0-9]{2}"
     "|0[1-9][0-9]-[0-9]{3}" SP "[0-9]{2}" SP "[0-9]{2}"
     "|0[1-9][0-9]{0,3}-[0-9]{1,4}-[0-9]{4}"
     "|1[3-9][0-9]" SEP "[0-9]{4}" SEP "[0-9]{4}"
     "|[6-9][0-9]{4}" SP "[0-9]{5}"
     "|3[0-9]{2}" SP "[0-9]{3}" SP "[0-9]{4}"
     "|\\([1-9][0-9]\\)" SP "9?[0-9]{4}(?:-|" SP ")[0-9]{4}"
     "|\\(0[2-9]\\)" SP "[0-9]{4}" SP "[0-9]{4}"
     "|8" SP "?\\([0-9]{3,5}\\)" SP "?[0-9]{1,3}-[0-9]{2}-[0-9]{2}"
     "|\\(0[1-9][0-9]{1,4}\\)" SP "?(?:[0-9]{3,4}" SEP "[0-9]{3,4}|[0-9]{5,8})"
     "|\\(0\\)[1-9][0-9]{1,3}" SEP "[0-9]{3,4}" SEP "?[0-9]{3,4}"
     "|0[1-9]" SEP "[0-9]{4}" SEP "[0-9]{4}"
     "|0[1-9]-[0-9]{3}" SP "[0-9]{3}" SP "[0-9]{2}"
     "|3[0-9]{2}" SP "[0-9]{6,7}"
     "|[6-9][0-9]{2}(?:" SP "[0-9]{2}){3}"
     "|[0-9]{2}" SP "[0-9]{3}(?:" SP "[0-9]{2}){2})" EXT,
     0, 30, edge::alnum, edge::alnum, check::phone_digits, context::none},
    {{"us_ssn_context", "US_SSN", P::pii, true,
      "9 bare digits as an SSN, only after ssn/social security or under an "
      "ssn-like key"},
     "[0-9]{9}", 0, 9, edge::alnum, edge::alnum, check::ssn, context::ssn},
    {{"phone_context", "PHONE", P::pii, true,
      "bare or loosely grouped numbers (4155550123, 612 345 678, 55 1234 "
      "5678; 12-13 bare digits, E.164 without its '+', when they do not "
      "start with 1 as epoch milliseconds do; 00 and a country code, up to "
      "17 digits) only after a phone word or under a phone-like key"},
     // Country code 1 is NANP's alone, 11 digits long: a bare 12-13 digit
     // number starting with 1 is no phone but an epoch in milliseconds
     // (one from a trunk 0 is a long national number: DE 030123456789).
     // After the 00 dialling prefix, a country code and up to 14 digits
     // (E.164's 15 in all): "Telefon: 004930123456789".
     "(?:[0-9]{9,11}|[02-9][0-9]{11,12}|00[1-9][0-9]{11,14}|[0-9]{3}" SEP
     "[0-9]{3}" SEP "[0-9]{3}|[0-9]{2}" SEP "[0-9]{4}" SEP "[0-9]{4})",
     0, 17, edge::alnum, edge::alnum, check::phone_digits, context::phone},
    {{"credit_card", "CREDIT_CARD", P::pii, true,
      "payment card (Visa, Mastercard, Amex, Discover, JCB, Diners), "
      "compact or grouped; Luhn and issuer prefix/length required"},
     "(?:[2-6][0-9]{12,18}"
     "|[2-6][0-9]{3}" CSEP "[0-9]{4}" CSEP "[0-9]{4}" CSEP "[0-9]{1,4}(?:"
     CSEP "[0-9]{1,3})?"
     "|3[0-9]{3}" CSEP "[0-9]{6}" CSEP "[0-9]{4,5})",
     0, 31, edge::alnum, edge::alnum, check::card, context::none},
    {{"card_security_code", "CVV", P::pii, true,
      "card security code (CVV, CVC, CVV2, CVC2, CAV2, security code): 3 or "
      "4 digits right after the word (PCI DSS forbids storing it; the word "
      "stays)"},
     // The words alone, as literals; what follows them is read in code
     // (scan::card_code_digits).
     "cvv|cvc|cav2|security code", HS_FLAG_CASELESS, 40, edge::none,
     edge::none, check::card_code, context::none, locator::after_word},
    {{"date_of_birth", "DATE_OF_BIRTH", P::pii, true,
      "a date of birth right after its word (date of birth, DOB, "
      "birthdate, birthday, born; Geburtsdatum, geboren, date de "
      "naissance, n\xc3\xa9(e) le, fecha de nacimiento, data di nascita, "
      "geboortedatum): a real date, numeric or with the month's English "
      "name (HIPAA and GDPR count it as identifying; the word stays)"},
     // The words alone, as literals; what follows them is read in code
     // (scan::birth_date_value).
     "date[ _.-]?of[ _.-]?birth|birth[ _.-]?(?:date|day)|dob|d\\.o\\.b|born|"
     "geburtsdatum|geboren|geb\\.|date de naissance|n\xc3\xa9"
     "e? le|"
     "fecha de nacimiento|nacid[oa] el|data di nascita|(?-i:[Nn]at[oa] il)|"
     "geboortedatum|data de nascimento",
     HS_FLAG_CASELESS, 100, edge::none, edge::none, check::birth_date,
     context::none, locator::after_word},
    {{"medical_record_number", "MRN", P::pii, true,
      "a medical record number right after MRN or medical record (number, "
      "no.): 4-20 letters, digits and '-', 4 digits or more (HIPAA lists "
      "it among the identifiers; the word stays)"},
     // The words alone, as literals; what follows them is read in code
     // (scan::record_number_value).
     "mrn|medical[ _-]?record", HS_FLAG_CASELESS, 60, edge::none, edge::none,
     check::record_number, context::none, locator::after_word},
    {{"iban", "IBAN", P::pii, true,
      "IBAN of any registered country, compact or printed in groups of 4; "
      "country length and mod-97 required"},
     "[A-Z]{2}[0-9]{2}(?:" SP "?[A-Z0-9]{4}){2,7}(?:" SP "?[A-Z0-9]{1,3})?",
     0, 59,
     edge::alnum, edge::alnum, check::iban, context::none},
    {{"us_ssn", "US_SSN", P::pii, true,
      "US social security number AAA-GG-SSSS / AAA GG SSSS (invalid "
      "areas/groups/serials excluded)"},
     "[0-9]{3}(?:-[0-9]{2}-|" SP "[0-9]{2}" SP ")[0-9]{4}", 0, 15, edge::alnum,
     edge::alnum, check::ssn, context::none},
    {{"ipv4", "IP_ADDRESS", P::pii, true,
      "IPv4 address (not versions like v1.2.3.4, OIDs or 1.2.3.4.5)"},
     "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", 0, 15, edge::alnum,
     edge::alnum, check::ipv4, context::none},
    {{"ipv6", "IP_ADDRESS", P::pii, true,
      "IPv6 address, full or compressed, with optional embedded IPv4"},
     "(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
     "|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?"
     "::[0-9A-Fa-f]{1,4}){0,6})?"
     "|(?:[0-9A-Fa-f]{1,4}:){6}[0-9]{1,3}(?:\\.[0-9]{1,3}){3}"
     "|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,4})?::(?:[0-9A-Fa-f]{1,4}:"
     "){0,4}[0-9]{1,3}(?:\\.[0-9]{1,3}){3})",
     0, 45, edge::alnum, edge::alnum, check::ipv6, context::none},
};
// clang-format on

#undef SEP
#undef SP
#undef CSEP
#undef MAIL_LETTER
#undef EXT
#undef NBSPS

} // namespace

std::span<const rule_def> table() { return k_rules; }

std::vector<std::string_view> prefix_literals(const rule_def &r) {
  std::vector<std::string_view> lits;
  std::string_view all = r.prefix ? r.prefix : "";
  while (!all.empty()) {
    const size_t bar = all.find('|');
    if (bar != 0)
      lits.push_back(all.substr(0, bar));
    if (bar == std::string_view::npos)
      break;
    all.remove_prefix(bar + 1);
  }
  return lits;
}

bool digit_dense(const rule_def &r) {
  switch (r.validator) {
  case check::phone_intl:
  case check::phone_nanp:
  case check::phone_digits:
  case check::card:
  case check::iban:
  case check::ssn:
  case check::ipv4:
    return true;
  default:
    return false;
  }
}

bool colon_dense(const rule_def &r) { return r.validator == check::ipv6; }

std::string with_nested_spaces(const rule_def &r) {
  // Every SEP and SP of the expression ends its alternatives with the two
  // no-break spaces; add their nested escapes there.
  constexpr std::string_view nbsps = "|\\xC2\\xA0|\\xE2\\x80\\xAF)";
  constexpr std::string_view escaped = "|\\\\{1,8}u(?:00[aA]0|202[fF]))";
  std::string_view e = r.expression;
  std::string out;
  size_t at = 0;
  for (size_t hit; (hit = e.find(nbsps, at)) != std::string_view::npos;
       at = hit + nbsps.size())
    out.append(e.substr(at, hit - at + nbsps.size() - 1)).append(escaped);
  if (at == 0)
    return {};
  return out.append(e.substr(at));
}

uint32_t cluster_lead(const rule_def &r) {
  switch (r.validator) {
  case check::card: // every alternative starts with a digit
  case check::ssn:
  case check::ipv4:
    return 0;
  default:
    // "+44 () 20 ...", "GB82 WEST 1234...", "fe80::1", and "(02)" + a
    // narrow no-break space (4 bytes between digits: a new cluster)
    return digit_cluster_lead;
  }
}

bool in_match_bytes(const rule_def &r, unsigned char ch) {
  bool digit = ch >= '0' && ch <= '9';
  switch (r.validator) {
  case check::phone_intl:
  case check::phone_nanp:
  case check::phone_digits:
    // digits, separators (SEP: space . - NBSP U+00A0, narrow NBSP U+202F),
    // '/' (DE "030/1234567"), '(' ')', '+' and the '%' of a URL's "%2B"
    return digit || ch == ' ' || ch == '.' || ch == '-' || ch == '/' ||
           ch == '(' || ch == ')' || ch == '+' || ch == '%' || ch == 0xC2 ||
           ch == 0xA0 || ch == 0xE2 || ch == 0x80 || ch == 0xAF;
  case check::ipv6:
    return digit || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') || ch == ':' ||
           ch == '.';
  default:
    return true;
  }
}

bool can_start(const rule_def &r, unsigned char ch) {
  bool digit = ch >= '0' && ch <= '9';
  switch (r.validator) {
  case check::phone_intl: // (?:\+|00|%2[Bb])[1-9]...
    return ch == '+' || ch == '0' || ch == '%';
  case check::phone_nanp: // (?:\+?1 ...)?(?:\([2-9]..|[2-9]..)
    return digit || ch == '+' || ch == '(';
  case check::phone_digits: // national shapes and phone_context: 0.., (..)
    return digit || ch == '(';
  case check::card: // [2-6]..., 3...
  case check::ssn:  // [0-9]{3}..., [0-9]{9}
  case check::ipv4:
    return digit;
  case check::iban: // [A-Z]{2}[0-9]{2}
    return ch >= 'A' && ch <= 'Z';
  case check::ipv6: // a hex group or "::"
    return digit || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') || ch == ':';
  default:
    return true;
  }
}

uint32_t min_digits(const rule_def &r) {
  switch (r.validator) {
  case check::phone_intl: // \+[1-9] and {6,16} more
    return 7;
  case check::phone_nanp: // [2-9]xx xxx xxxx
    return 10;
  case check::phone_digits:
    // phone_context: [0-9]{9,11}, 3-3-3, 2-4-4; phone_national's fewest:
    // 0[1-9][0-9]{0,3}-[0-9]{1,4}-[0-9]{4} (2 + 1 + 4)
    return r.needs == context::phone ? 9 : 7;
  case check::card: // [2-6] + 12, 4-4-4-1, 4-6-4
    return 13;
  case check::iban: // [A-Z]{2}[0-9]{2}, then letters or digits
    return 2;
  case check::ssn: // 3-2-4, or 9 bare
    return 9;
  case check::ipv4: // four groups of 1-3
    return 4;
  default: // ipv6 ("::") and the code-located rules
    return 0;
  }
}

namespace {

constexpr std::string_view k_phone_words[] = {
    "phone", "call", "tel:", "tel.", "tel ", "mobile", "mobil", "cell",
    "reach me", "text me", "whatsapp", "sms", "fax", "contact", "telefon",
    "handy", "anruf", "ruf mich", "appel", "t\xc3\xa9l\xc3\xa9phone",
    "portable", "joindre", "llam",
    "tel\xc3\xa9"
    "fono",
    "m\xc3\xb3vil", "telefono", "chiam", "cellulare", "bellen", "telefoon",
    "ligar", "celular", "number", "numero ", "numero:", "numer ",
    "numer:", "kom\xc3\xb3rk", "nummer", "num\xc3\xa9ro", "n\xc3\xbamero",
    // French tél (both cases of é: Hyperscan folds ASCII only; ended, as
    // tel is, so that télévision is none), Dutch, German compounds
    "t\xc3\xa9l:", "t\xc3\xa9l.", "t\xc3\xa9l ", "t\xc3\x89l:", "t\xc3\x89l.",
    "t\xc3\x89l ", "mobiel", "rufnummer", "telefonnummer",
    // English "Mob:" (ended: "mobility" is none), "ring me", Dutch "bel
    // me", Polish zadzwo(ń) "call", the telecoms MSISDN
    "mob:", "mob.", "mob ", "ring me", "bel me", "zadzwo", "msisdn",
    // WhatsApp's click-to-chat link: the number, without its '+', follows
    "wa.me/",
    // Ph: and Ph. (ended: "photo", "phase" are none)
    "ph:", "ph.",
    // Russian телефон, тел (ended), моб(ильный): both cases of the first
    // letter
    "\xd1\x82\xd0\xb5\xd0\xbb\xd0\xb5\xd1\x84\xd0\xbe\xd0\xbd",
    "\xd0\xa2\xd0\xb5\xd0\xbb\xd0\xb5\xd1\x84\xd0\xbe\xd0\xbd",
    "\xd1\x82\xd0\xb5\xd0\xbb.",
    "\xd1\x82\xd0\xb5\xd0\xbb:", "\xd1\x82\xd0\xb5\xd0\xbb ",
    "\xd0\xa2\xd0\xb5\xd0\xbb.",
    "\xd0\xa2\xd0\xb5\xd0\xbb:", "\xd0\xa2\xd0\xb5\xd0\xbb ",
    "\xd0\xbc\xd0\xbe\xd0\xb1", "\xd0\x9c\xd0\xbe\xd0\xb1",
    // Arabic هاتف جوال موبايل, Hindi फोन फ़ोन मोबाइल
    "\xd9\x87\xd8\xa7\xd8\xaa\xd9\x81", "\xd8\xac\xd9\x88\xd8\xa7\xd9\x84",
    "\xd9\x85\xd9\x88\xd8\xa8\xd8\xa7\xd9\x8a\xd9\x84",
    "\xe0\xa4\xab\xe0\xa5\x8b\xe0\xa4\xa8",
    "\xe0\xa4\xab\xe0\xa4\xbc\xe0\xa5\x8b\xe0\xa4\xa8",
    "\xe0\xa4\xae\xe0\xa5\x8b\xe0\xa4\xac\xe0\xa4\xbe\xe0\xa4\x87\xe0"
    "\xa4\xb2",
    // CJK "phone" and "mobile": zh-Hans, zh-Hant and ja, ja, ko
    // (电话 手机 電話 手機 携帯 전화 휴대폰 핸드폰)
    "\xe7\x94\xb5\xe8\xaf\x9d", "\xe6\x89\x8b\xe6\x9c\xba",
    "\xe9\x9b\xbb\xe8\xa9\xb1", "\xe6\x89\x8b\xe6\xa9\x9f",
    "\xe6\x90\xba\xe5\xb8\xaf", "\xec\xa0\x84\xed\x99\x94",
    "\xed\x9c\xb4\xeb\x8c\x80\xed\x8f\xb0",
    "\xed\x95\xb8\xeb\x93\x9c\xed\x8f\xb0"};
constexpr std::string_view k_ssn_words[] = {
    "ssn",  "social security", "social sec", "soc. sec",    "ss#",
    "ss #", "tax id",          "taxpayer",   "my social is"};

// Each word of `words` with a non-ASCII character, with every such
// character spelled as the \uXXXX escape of a string nested in the string,
// as Python's json.dumps writes it ("tel\u00e9fono"), with 1, 2 and 4
// backslashes (documents one to three levels down). Built once.
struct escaped_words {
  std::vector<std::string> text;
  std::vector<std::string_view> views;
  explicit escaped_words(std::span<const std::string_view> words) {
    for (std::string_view w : words) {
      if (std::all_of(w.begin(), w.end(),
                      [](char ch) { return (unsigned char)ch < 0x80; }))
        continue;
      for (size_t backslashes : {1, 2, 4}) {
        std::string out;
        for (size_t i = 0; i < w.size();) {
          unsigned char ch = (unsigned char)w[i];
          if (ch < 0x80) {
            out += char(ch);
            ++i;
            continue;
          }
          // Two- and three-byte UTF-8 (the words hold no others).
          size_t len = ch >= 0xE0 ? 3 : 2;
          unsigned cp = ch & (len == 3 ? 0x0F : 0x1F);
          for (size_t k = 1; k < len; ++k)
            cp = (cp << 6) | ((unsigned char)w[i + k] & 0x3F);
          char esc[8];
          std::snprintf(esc, sizeof esc, "u%04x", cp);
          out.append(backslashes, '\\').append(esc);
          i += len;
        }
        text.push_back(std::move(out));
      }
    }
    views.assign(text.begin(), text.end());
  }
};

} // namespace

std::span<const std::string_view> escaped_context_words(context c) {
  static const escaped_words phone(k_phone_words), ssn(k_ssn_words);
  switch (c) {
  case context::phone:
    return phone.views;
  case context::ssn:
    return ssn.views;
  case context::none:
    break;
  }
  return {};
}

std::span<const std::string_view> context_words(context c) {
  switch (c) {
  case context::phone:
    return k_phone_words;
  case context::ssn:
    return k_ssn_words;
  case context::none:
    break;
  }
  return {};
}

} // namespace maskd::core::rules

namespace maskd::core {

const std::vector<rule_info> &builtin_rules() {
  static const std::vector<rule_info> infos = [] {
    std::vector<rule_info> v;
    for (const auto &r : rules::table())
      v.push_back(r.info);
    return v;
  }();
  return infos;
}

} // namespace maskd::core
