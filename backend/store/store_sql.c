/*
 * uc-backend: the SQLite store's text: every statement the store prepares.
 * The versioned migrations (applied in order at start, each in its own
 * transaction) are .sql files beside it. Keep the SQL portable: PostgreSQL
 * comes next.
 */

#include "store_sql.h"


/*
 * The migrations are the .sql files of backend/store/migrations/sqlite/,
 * compiled in by tools/embed-sql.sh (ucb_migrations and ucb_nmigrations,
 * declared in store_sql.h).
 */


/* ------------------------------------------------------------ statements */



const char *const  ucb_sql[S_NSTMTS] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    /*
     * Serialises the writers of one thing (a flag line, a dictionary) for
     * the rest of the transaction. SQLite's BEGIN IMMEDIATE already
     * serialises every writer: nothing to do; PostgreSQL's driver takes an
     * advisory transaction lock on the key instead (store_postgresql.c).
     */
    [S_LOCK_KEY] = "SELECT ?1",
    [S_FIND_LOGIN] =
        "SELECT u.id, u.seq, u.status, u.level, COALESCE(c.password, '')"
        " FROM identities i JOIN users u ON u.seq = i.user_seq"
        " LEFT JOIN credentials c ON c.user_seq = u.seq"
        " WHERE i.kind = ?1 AND i.value = ?2",
    [S_GET_USER] =
        "SELECT u.id, u.seq, u.status, u.level, COALESCE(c.password, '')"
        " FROM users u LEFT JOIN credentials c ON c.user_seq = u.seq"
        " WHERE u.id = ?1",
    [S_INSERT_USER] =
        "INSERT INTO users (id, level, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?3) RETURNING seq",
    [S_INSERT_IDENTITY] =
        "INSERT INTO identities (kind, value, user_seq, verified, created_at)"
        " VALUES (?1, ?2, ?3, 1, ?4)",
    [S_INSERT_CREDENTIAL] =
        "INSERT INTO credentials (user_seq, password, updated_at)"
        " VALUES (?1, ?2, ?3)",
    [S_INSERT_PROFILE] =
        "INSERT INTO profiles (user_seq, updated_at) VALUES (?1, ?2)",
    [S_INSERT_OUTBOX] =
        "INSERT INTO outbox (type, user_id, data, created_at)"
        " VALUES (?1, ?2, ?3, ?4)",
    [S_INSERT_AUDIT] =
        "INSERT INTO audit_log (user_id, action, actor, created_at)"
        " VALUES (?1, ?2, ?3, ?4)",
    [S_SET_PASSWORD] =
        "INSERT INTO credentials (user_seq, password, updated_at)"
        " SELECT seq, ?2, CAST(?3 AS BIGINT) FROM users WHERE id = ?1"
        " ON CONFLICT (user_seq) DO UPDATE SET password = excluded.password,"
        " updated_at = excluded.updated_at",
    [S_REHASH_PASSWORD] =
        "UPDATE credentials SET password = ?3, updated_at = ?4"
        " WHERE user_seq = (SELECT seq FROM users WHERE id = ?1)"
        " AND password = ?2",
    /* a deactivated account stays so: no freeze or unfreeze brings it back */
    [S_SET_STATUS] =
        "UPDATE users SET status = ?2, updated_at = ?3"
        " WHERE id = ?1 AND status <> 2",
    [S_PROFILE_GET] =
        "SELECT p.nickname, p.avatar, p.gender, p.birthday, p.region,"
        " p.updated_at FROM profiles p JOIN users u ON u.seq = p.user_seq"
        " WHERE u.id = ?1 AND u.status <> 2",
    [S_PROFILE_UPDATE] =
        "UPDATE profiles SET nickname = COALESCE(?2, nickname),"
        " avatar = COALESCE(?3, avatar), gender = COALESCE(?4, gender),"
        " birthday = COALESCE(?5, birthday), region = COALESCE(?6, region),"
        " updated_at = ?7"
        " WHERE user_seq = (SELECT seq FROM users WHERE id = ?1)",
    [S_OUTBOX_FETCH] =
        "SELECT id, type, user_id, data, created_at FROM outbox"
        " WHERE relayed_at IS NULL ORDER BY id LIMIT ?1",
    [S_OUTBOX_DONE] =
        "UPDATE outbox SET relayed_at = ?2 WHERE id = ?1",
    [S_SERIAL_INIT] =
        "INSERT INTO serials (name, next) VALUES (?1, 1)"
        " ON CONFLICT (name) DO NOTHING",
    [S_SERIAL_TAKE] =
        "UPDATE serials SET next = next + ?2 WHERE name = ?1"
        " RETURNING next - ?2",
    [S_COUNT_USERS] = "SELECT COUNT(*) FROM users",
    [S_COUNT_OUTBOX] = "SELECT COUNT(*) FROM outbox",
    /* a new flag only while the line has fewer than ?5: in the same
       statement as the count, inside the write transaction */
    [S_FLAG_PUT] =
        "INSERT INTO flags (line, name, rule, updated_at)"
        " SELECT ?1, ?2, ?3, CAST(?4 AS BIGINT)"
        " WHERE (SELECT count(*) FROM flags WHERE line = ?1) < ?5"
        " OR EXISTS (SELECT 1 FROM flags WHERE line = ?1 AND name = ?2)"
        " ON CONFLICT (line, name)"
        " DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at",
    [S_FLAG_DELETE] = "DELETE FROM flags WHERE line = ?1 AND name = ?2",
    [S_FLAG_LIST] =
        "SELECT name, rule FROM flags WHERE line = ?1 ORDER BY name",
    [S_FLAG_LINES] = "SELECT DISTINCT line FROM flags ORDER BY line",
    [S_DICT_VERSION] = "SELECT version FROM dicts WHERE name = ?1",
    [S_DICT_ITEMS] =
        "SELECT code, label, sort, extra FROM dict_items WHERE dict = ?1"
        " ORDER BY sort, code",
    [S_DICT_BUMP] =
        "INSERT INTO dicts (name, version, updated_at) VALUES (?1, 1, ?2)"
        " ON CONFLICT (name) DO UPDATE SET version = dicts.version + 1,"
        " updated_at = excluded.updated_at RETURNING version",
    [S_DICT_CLEAR] = "DELETE FROM dict_items WHERE dict = ?1",
    [S_DICT_ITEM_PUT] =
        "INSERT INTO dict_items (dict, code, label, sort, extra)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dict, code)"
        " DO UPDATE SET label = excluded.label, sort = excluded.sort,"
        " extra = excluded.extra",
    [S_DICT_ITEM_DELETE] =
        "DELETE FROM dict_items WHERE dict = ?1 AND code = ?2",
    [S_DICT_LIST] =
        "SELECT d.name, d.version, COUNT(i.code) FROM dicts d"
        " LEFT JOIN dict_items i ON i.dict = d.name"
        " GROUP BY d.name, d.version ORDER BY d.name",
    /* the columns of a line, in the order store_lines.c reads them */
    [S_LINE_GET] =
        "SELECT code, name, status, return_urls, cookie_domain, idle_timeout,"
        " max_lifetime, settings, version, created_at, updated_at"
        " FROM lines WHERE code = ?1",
    [S_LINE_LIST] =
        "SELECT code, name, status, return_urls, cookie_domain, idle_timeout,"
        " max_lifetime, settings, version, created_at, updated_at"
        " FROM lines ORDER BY code",
    /* a new line is active; a replaced one keeps its status */
    [S_LINE_PUT] =
        "INSERT INTO lines (code, name, return_urls, cookie_domain,"
        " idle_timeout, max_lifetime, settings, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, CAST(?5 AS BIGINT), CAST(?6 AS BIGINT), ?7,"
        " CAST(?8 AS BIGINT), CAST(?8 AS BIGINT))"
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
        " return_urls = excluded.return_urls,"
        " cookie_domain = excluded.cookie_domain,"
        " idle_timeout = excluded.idle_timeout,"
        " max_lifetime = excluded.max_lifetime,"
        " settings = excluded.settings, version = lines.version + 1,"
        " updated_at = excluded.updated_at",
    [S_LINE_STATUS] =
        "UPDATE lines SET status = ?2, version = version + 1,"
        " updated_at = CAST(?3 AS BIGINT) WHERE code = ?1 AND status <> ?2",
    [S_AUDIT_CHANGE] =
        "INSERT INTO audit_changes (actor, action, subject, before, after,"
        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, CAST(?6 AS BIGINT))",
    /* newest first, before the cursor (an id; 0: from the newest) */
    [S_AUDIT_CHANGES] =
        "SELECT id, actor, action, subject, before, after, created_at"
        " FROM audit_changes WHERE subject = ?1"
        " AND (CAST(?2 AS BIGINT) = 0 OR id < CAST(?2 AS BIGINT))"
        " ORDER BY id DESC LIMIT CAST(?3 AS BIGINT)",
    /* the first time only: a second join changes nothing */
    [S_LINE_JOIN] =
        "INSERT INTO line_members (line, user_seq, channel, joined_at)"
        " SELECT ?1, seq, ?3, CAST(?4 AS BIGINT) FROM users"
        " WHERE id = CAST(?2 AS BIGINT)"
        " ON CONFLICT (line, user_seq) DO NOTHING",
    [S_USER_LINES] =
        "SELECT m.line, m.channel, m.joined_at FROM line_members m"
        " JOIN users u ON u.seq = m.user_seq"
        " WHERE u.id = CAST(?1 AS BIGINT) ORDER BY m.joined_at, m.line",
    /* by the users' dense seq, after the cursor (a seq) */
    [S_LINE_MEMBERS] =
        "SELECT u.id, m.channel, m.joined_at, m.user_seq FROM line_members m"
        " JOIN users u ON u.seq = m.user_seq"
        " WHERE m.line = ?1 AND m.user_seq > CAST(?2 AS BIGINT)"
        " ORDER BY m.user_seq LIMIT CAST(?3 AS BIGINT)",
    /* only for a line that has a record */
    [S_KEY_CREATE] =
        "INSERT INTO service_keys (kid, line, name, secret_hash, expires_at,"
        " created_at) SELECT ?1, code, ?3, ?4, CAST(?5 AS BIGINT),"
        " CAST(?6 AS BIGINT) FROM lines WHERE code = ?2",
    [S_KEY_GET] =
        "SELECT kid, line, name, secret_hash, status, expires_at, created_at,"
        " revoked_at FROM service_keys WHERE kid = ?1",
    [S_KEY_LIST] =
        "SELECT kid, line, name, secret_hash, status, expires_at, created_at,"
        " revoked_at FROM service_keys WHERE line = ?1"
        " ORDER BY created_at, kid",
    [S_KEY_ALL] =
        "SELECT kid, line, name, secret_hash, status, expires_at, created_at,"
        " revoked_at FROM service_keys ORDER BY kid",
    [S_KEY_REVOKE] =
        "UPDATE service_keys SET status = 'revoked',"
        " revoked_at = CAST(?3 AS BIGINT)"
        " WHERE kid = ?1 AND line = ?2 AND status = 'active'",
    /* what a business line's server may know of a user */
    [S_SERVICE_USER] =
        "SELECT u.id, u.status, u.level, u.created_at,"
        " COALESCE((SELECT value FROM identities"
        "           WHERE user_seq = u.seq AND kind = 'phone'"
        "           ORDER BY created_at LIMIT 1), ''),"
        " COALESCE((SELECT value FROM identities"
        "           WHERE user_seq = u.seq AND kind = 'email'"
        "           ORDER BY created_at LIMIT 1), ''),"
        " COALESCE(p.nickname, '')"
        " FROM users u LEFT JOIN profiles p ON p.user_seq = u.seq"
        " WHERE u.id = CAST(?1 AS BIGINT)",
    /* merchants: a new one is pending; ?4 NULL when it has no code */
    [S_MERCHANT_INSERT] =
        "INSERT INTO merchants (id, kind, name, credit_code, legal_rep,"
        " contact_name, contact_phone, contact_email, address, logo_url,"
        " industry, created_by, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " CAST(?13 AS BIGINT), CAST(?13 AS BIGINT))",
    /* the columns of a merchant, in the order store_merchants.c reads */
    [S_MERCHANT_GET] =
        "SELECT id, kind, name, COALESCE(credit_code, ''), legal_rep,"
        " contact_name, contact_phone, contact_email, address, logo_url,"
        " industry, status, status_reason, certification, version,"
        " created_at, updated_at FROM merchants WHERE id = ?1",
    /* the editable fields, whole; only at the version read (0: any) */
    [S_MERCHANT_UPDATE] =
        "UPDATE merchants SET name = ?2, credit_code = ?3, legal_rep = ?4,"
        " contact_name = ?5, contact_phone = ?6, contact_email = ?7,"
        " address = ?8, logo_url = ?9, industry = ?10,"
        " version = version + 1, updated_at = CAST(?11 AS BIGINT)"
        " WHERE id = ?1 AND (CAST(?12 AS BIGINT) = 0"
        " OR version = CAST(?12 AS BIGINT))",
    /* closed is final */
    [S_MERCHANT_STATUS] =
        "UPDATE merchants SET status = ?2, status_reason = ?3,"
        " version = version + 1, updated_at = CAST(?4 AS BIGINT)"
        " WHERE id = ?1 AND status <> 'closed'"
        " AND (status <> ?2 OR status_reason <> ?3)",
    /* every change of a merchant's members or lines: first in its
       transaction, so it holds the row (PostgreSQL) and orders them */
    [S_MERCHANT_BUMP] =
        "UPDATE merchants SET version = version + 1,"
        " updated_at = CAST(?2 AS BIGINT) WHERE id = ?1 RETURNING version",
    /* by id after the cursor, of one status or all ('') */
    [S_MERCHANT_LIST] =
        "SELECT id, kind, name, COALESCE(credit_code, ''), legal_rep,"
        " contact_name, contact_phone, contact_email, address, logo_url,"
        " industry, status, status_reason, certification, version,"
        " created_at, updated_at FROM merchants"
        " WHERE (?1 = '' OR status = ?1) AND id > ?2"
        " ORDER BY id LIMIT CAST(?3 AS BIGINT)",
    [S_MERCHANT_CHANGED] =
        "SELECT id, version FROM merchants"
        " WHERE updated_at >= CAST(?1 AS BIGINT) AND id > ?2"
        " ORDER BY id LIMIT CAST(?3 AS BIGINT)",
    [S_MERCHANT_COUNT_BY] =
        "SELECT COUNT(*) FROM merchants WHERE created_by = ?1",
    [S_MERCHANT_LINES] =
        "SELECT line, status, created_at, updated_at FROM merchant_lines"
        " WHERE merchant_id = ?1 ORDER BY line",
    /* only on a line that has a record */
    [S_MERCHANT_LINE_PUT] =
        "INSERT INTO merchant_lines (merchant_id, line, status, created_at,"
        " updated_at) SELECT ?1, code, ?3, CAST(?4 AS BIGINT),"
        " CAST(?4 AS BIGINT) FROM lines WHERE code = ?2"
        " ON CONFLICT (merchant_id, line) DO UPDATE SET"
        " status = excluded.status, updated_at = excluded.updated_at",
    [S_MERCHANT_LINE_DELETE] =
        "DELETE FROM merchant_lines WHERE merchant_id = ?1 AND line = ?2",
    [S_MEMBER_ROLE] =
        "SELECT m.role FROM merchant_members m"
        " JOIN users u ON u.seq = m.user_seq"
        " WHERE m.merchant_id = ?1 AND u.id = CAST(?2 AS BIGINT)",
    /* joins, rejoins, changes a role, removes (role ''); ?4 the version */
    [S_MEMBER_PUT] =
        "INSERT INTO merchant_members (merchant_id, user_seq, role, version,"
        " joined_at, updated_at) SELECT ?1, seq, ?3, CAST(?4 AS BIGINT),"
        " CAST(?5 AS BIGINT), CAST(?5 AS BIGINT) FROM users"
        " WHERE id = CAST(?2 AS BIGINT)"
        " ON CONFLICT (merchant_id, user_seq) DO UPDATE SET"
        " role = excluded.role, version = excluded.version,"
        " updated_at = excluded.updated_at,"
        " joined_at = CASE WHEN merchant_members.role = ''"
        " THEN excluded.joined_at ELSE merchant_members.joined_at END",
    /* ?2 = 1: the removed too (for the gateways' copies) */
    [S_MEMBER_LIST] =
        "SELECT u.id, m.role, m.version, m.joined_at, m.updated_at"
        " FROM merchant_members m JOIN users u ON u.seq = m.user_seq"
        " WHERE m.merchant_id = ?1"
        " AND (CAST(?2 AS BIGINT) = 1 OR m.role <> '') ORDER BY m.user_seq",
    [S_MEMBER_OWNERS] =
        "SELECT COUNT(*) FROM merchant_members"
        " WHERE merchant_id = ?1 AND role = 'owner'",
    [S_USER_MERCHANTS] =
        "SELECT mm.id, mm.name, mm.status, m.role, m.joined_at"
        " FROM merchant_members m JOIN users u ON u.seq = m.user_seq"
        " JOIN merchants mm ON mm.id = m.merchant_id"
        " WHERE u.id = CAST(?1 AS BIGINT) AND m.role <> ''"
        " ORDER BY m.joined_at, mm.id",
    [S_USER_HAS_IDENTITY] =
        "SELECT COUNT(*) FROM identities i JOIN users u ON u.seq = i.user_seq"
        " WHERE u.id = CAST(?1 AS BIGINT) AND i.kind = ?2 AND i.value = ?3"
        " AND i.verified = 1",
    [S_INVITE_INSERT] =
        "INSERT INTO merchant_invitations (id, merchant_id, kind, value, role,"
        " invited_by, created_at, expires_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, CAST(?7 AS BIGINT),"
        " CAST(?8 AS BIGINT), CAST(?7 AS BIGINT))",
    /* the columns of an invitation, in the order store_merchants.c reads */
    [S_INVITE_GET] =
        "SELECT id, merchant_id, kind, value, role, status, invited_by,"
        " accepted_by, created_at, expires_at FROM merchant_invitations"
        " WHERE id = ?1",
    [S_INVITE_SET] =
        "UPDATE merchant_invitations SET status = ?2, accepted_by = ?3,"
        " updated_at = CAST(?4 AS BIGINT) WHERE id = ?1 AND status = 'pending'",
    [S_INVITE_LIST] =
        "SELECT id, merchant_id, kind, value, role, status, invited_by,"
        " accepted_by, created_at, expires_at FROM merchant_invitations"
        " WHERE merchant_id = ?1 AND status = 'pending'"
        " AND expires_at > CAST(?2 AS BIGINT) ORDER BY created_at, id",
    [S_INVITE_COUNT] =
        "SELECT COUNT(*) FROM merchant_invitations WHERE merchant_id = ?1"
        " AND status = 'pending' AND expires_at > CAST(?2 AS BIGINT)",
    /* a removed member's way back: the merchant's pending invitations to
       any phone or e-mail of theirs */
    [S_INVITE_CANCEL_TO] =
        "UPDATE merchant_invitations SET status = 'cancelled',"
        " updated_at = CAST(?3 AS BIGINT)"
        " WHERE merchant_id = ?1 AND status = 'pending' AND EXISTS ("
        " SELECT 1 FROM identities d JOIN users u ON u.seq = d.user_seq"
        " WHERE u.id = CAST(?2 AS BIGINT) AND d.kind = merchant_invitations.kind"
        " AND d.value = merchant_invitations.value)",
    /* the pending ones sent to one of the user's verified phones or
       e-mails */
    [S_INVITE_MINE] =
        "SELECT i.id, i.merchant_id, i.kind, i.value, i.role, i.status,"
        " i.invited_by, i.accepted_by, i.created_at, i.expires_at, mm.name"
        " FROM merchant_invitations i"
        " JOIN identities d ON d.kind = i.kind AND d.value = i.value"
        " JOIN users u ON u.seq = d.user_seq"
        " JOIN merchants mm ON mm.id = i.merchant_id"
        " WHERE u.id = CAST(?1 AS BIGINT) AND d.verified = 1"
        " AND i.status = 'pending' AND i.expires_at > CAST(?2 AS BIGINT)"
        " ORDER BY i.created_at, i.id",
    /* social login (store_social.c) */
    [S_INSERT_PROFILE_FROM] =
        "INSERT INTO profiles (user_seq, nickname, avatar, updated_at)"
        " VALUES (?1, ?2, ?3, ?4)",
    [S_IDENTITY_LIST] =
        "SELECT i.kind, i.value, i.created_at FROM identities i"
        " JOIN users u ON u.seq = i.user_seq"
        " WHERE u.id = CAST(?1 AS BIGINT) ORDER BY i.created_at, i.kind,"
        " i.value",
    [S_IDENTITY_OF_KIND] =
        "SELECT value FROM identities WHERE user_seq = ?1 AND kind = ?2",
    [S_IDENTITY_DELETE] =
        "DELETE FROM identities WHERE user_seq = ?1 AND kind IN (?2, ?3)",
    [S_IDENTITY_OTHERS] =
        "SELECT COUNT(*) FROM identities"
        " WHERE user_seq = ?1 AND kind NOT IN (?2, ?3)",
    [S_USER_LEVEL_AT_LEAST] =
        "UPDATE users SET level = ?2, updated_at = ?3"
        " WHERE seq = ?1 AND level < ?2",
    /* certification (store_certification.c) */
    [S_CERT_INSERT] =
        "INSERT INTO certifications (id, user_seq, kind, status, name_sealed,"
        " name_masked, id_sealed, id_masked, id_hash, provider,"
        " provider_request, created_at)"
        " VALUES (?1, ?2, ?3, 'certified', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_CERT_GET] =
        "SELECT c.id, c.kind, c.status, c.name_masked, c.id_masked,"
        " c.provider, c.created_at FROM certifications c"
        " JOIN users u ON u.seq = c.user_seq"
        " WHERE u.id = CAST(?1 AS BIGINT) AND c.kind = ?2"
        " AND c.status = 'certified'",
    /* a deactivated account holds no identity (its row stays, for the
       record): the person may certify another account */
    [S_CERT_HASH_OTHERS] =
        "SELECT COUNT(*) FROM certifications c JOIN users u"
        " ON u.seq = c.user_seq WHERE c.id_hash = ?1 AND c.kind = ?2"
        " AND c.status = 'certified' AND c.user_seq <> ?3 AND u.status <> 2",
    /* an operator took the identity's certification from this account */
    [S_CERT_HASH_REVOKED] =
        "SELECT COUNT(*) FROM certifications WHERE id_hash = ?1 AND kind = ?2"
        " AND user_seq = ?3 AND status = 'revoked'",
    [S_DICT_HAS] =
        "SELECT COUNT(*) FROM dict_items WHERE dict = ?1 AND code = ?2",
    /* merchants' certification (store_merchant_cert.c) */
    [S_MCERT_INSERT] =
        "INSERT INTO merchant_certifications (serial, merchant_id, status,"
        " elements, credit_code, name, rep_sealed, rep_masked, rep_id_sealed,"
        " rep_id_masked, provider_result, provider_request, requested_by,"
        " decided_by, created_at, decided_at, provider)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
        " ?15, ?16, ?17)",
    [S_MCERT_GET] =
        "SELECT serial, merchant_id, status, elements, credit_code, name,"
        " rep_masked, rep_id_masked, provider_result, reason, requested_by,"
        " decided_by, created_at, decided_at, provider"
        " FROM merchant_certifications WHERE serial = ?1",
    [S_MCERT_LATEST] =
        "SELECT serial, merchant_id, status, elements, credit_code, name,"
        " rep_masked, rep_id_masked, provider_result, reason, requested_by,"
        " decided_by, created_at, decided_at, provider"
        " FROM merchant_certifications WHERE merchant_id = ?1"
        " ORDER BY created_at DESC, serial DESC LIMIT 1",
    [S_MCERT_LIST] =
        "SELECT serial, merchant_id, status, elements, credit_code, name,"
        " rep_masked, rep_id_masked, provider_result, reason, requested_by,"
        " decided_by, created_at, decided_at, provider"
        " FROM merchant_certifications WHERE status = ?1"
        " ORDER BY created_at, serial LIMIT 200",
    [S_MCERT_PENDING] =
        "SELECT COUNT(*) FROM merchant_certifications"
        " WHERE merchant_id = ?1 AND status = 'pending'",
    [S_MCERT_DECIDE] =
        "UPDATE merchant_certifications SET status = ?2, reason = ?3,"
        " decided_by = ?4, decided_at = CAST(?5 AS BIGINT)"
        " WHERE serial = ?1 AND status = 'pending'",
    [S_MERCHANT_CERTIFY] =
        "UPDATE merchants SET certification = ?2 WHERE id = ?1",
    [S_CERT_REVOKE] =
        "UPDATE certifications SET status = 'revoked'"
        " WHERE user_seq = ?1 AND kind = ?2 AND status = 'certified'",
    [S_USER_SET_LEVEL] =
        "UPDATE users SET level = ?2, updated_at = ?3 WHERE seq = ?1",
    [S_USER_VERIFIED] =
        "SELECT COUNT(*) FROM identities WHERE user_seq = ?1"
        " AND kind IN ('phone', 'email') AND verified = 1",
    /* licence photos for review (store_merchant_cert.c) */
    [S_CIMG_PUT] =
        "INSERT INTO certification_images (serial, content_type, sealed,"
        " bytes, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (serial) DO UPDATE SET content_type = ?2, sealed = ?3,"
        " bytes = ?4, created_at = ?5, expires_at = ?6",
    [S_CIMG_GET] =
        "SELECT content_type, sealed FROM certification_images"
        " WHERE serial = ?1 AND expires_at > ?2",
    [S_CIMG_RETAIN] =
        "UPDATE certification_images SET expires_at = ?2"
        " WHERE serial = ?1 AND expires_at > ?2",
    [S_CIMG_PURGE] =
        "DELETE FROM certification_images WHERE expires_at <= ?1",
};
