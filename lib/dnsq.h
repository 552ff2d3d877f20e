/*
 * A minimal DNS stub client (RFC 1035) for the dns-01 checks: message
 * building and parsing, queries over UDP with TCP fallback on truncation,
 * zone and authoritative server discovery, CNAME following, and waiting
 * until TXT records are visible everywhere they must be.
 *
 * Names are text in presentation form: labels separated by dots, absolute
 * with a trailing dot in everything this module returns ("a.example."),
 * trailing dot optional on input, "\." and "\DDD" escapes for odd bytes.
 * Comparisons are ASCII case-insensitive.
 *
 * Servers are "ip", "ip:port", "[ipv6]:port" or a bare IPv6 address;
 * the port defaults to 53. Only numeric addresses: nothing here resolves a
 * server name through the system resolver.
 *
 * Every network wait is bounded with poll() (struct cc_dnsq_opts); the
 * polling in cc_dns_wait_txt sleeps through the injected struct cc_clock.
 */
#ifndef CERTCTL_DNSQ_H
#define CERTCTL_DNSQ_H

#include <stddef.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "util.h"

/* Record types. */
#define CC_DNS_A	1
#define CC_DNS_NS	2
#define CC_DNS_CNAME	5
#define CC_DNS_SOA	6
#define CC_DNS_TXT	16
#define CC_DNS_AAAA	28
#define CC_DNS_OPT	41

#define CC_DNS_CLASS_IN	1

/* Header flag bits (struct cc_dns_msg.flags). */
#define CC_DNS_F_QR	0x8000u
#define CC_DNS_F_AA	0x0400u
#define CC_DNS_F_TC	0x0200u
#define CC_DNS_F_RD	0x0100u
#define CC_DNS_F_RA	0x0080u

/* Response codes (low four bits of flags). */
#define CC_DNS_NOERROR	0
#define CC_DNS_FORMERR	1
#define CC_DNS_SERVFAIL	2
#define CC_DNS_NXDOMAIN	3
#define CC_DNS_NOTIMP	4
#define CC_DNS_REFUSED	5

/* UDP payload size advertised with EDNS(0). */
#define CC_DNS_EDNS_SIZE 1232

struct cc_dns_rr {
	char *name;		/* owner, absolute */
	unsigned type;
	unsigned rclass;	/* OPT: the advertised UDP payload size */
	unsigned long ttl;
	/*
	 * Decoded RDATA for the types this module knows, else NULL:
	 *   A, AAAA  the address ("192.0.2.1", "2001:db8::1")
	 *   NS, CNAME the target name
	 *   TXT      the character-strings concatenated
	 *   SOA      "mname rname serial refresh retry expire minimum"
	 */
	char *text;
	/*
	 * Raw RDATA as received (for NS, CNAME and SOA it may hold
	 * compression pointers into its message). When encoding, NS, CNAME
	 * and SOA always use text; other types use rdata when it is not
	 * NULL, else text (a TXT text longer than 255 bytes is split into
	 * several strings).
	 */
	unsigned char *rdata;
	size_t rdlen;
};

struct cc_dns_msg {
	unsigned id;
	unsigned flags;		/* header flags; rcode is flags & 0xf */
	char *qname;		/* NULL when there is no question */
	unsigned qtype;
	unsigned qclass;
	struct cc_dns_rr *an;	/* answer */
	size_t nan;
	struct cc_dns_rr *ns;	/* authority */
	size_t nns;
	struct cc_dns_rr *ar;	/* additional (including any OPT) */
	size_t nar;
};

#define CC_DNS_MSG_INIT { 0, 0, NULL, 0, 0, NULL, 0, NULL, 0, NULL, 0 }

enum cc_dns_section { CC_DNS_SEC_AN, CC_DNS_SEC_NS, CC_DNS_SEC_AR };

void cc_dns_msg_release(struct cc_dns_msg *m);

/* Set the question (copies name). */
int cc_dns_msg_set_question(struct cc_dns_msg *m, const char *name,
			    unsigned type, struct cc_err *err);

/*
 * Append a class IN record to a section; text as in struct cc_dns_rr
 * (validated when the message is encoded).
 */
int cc_dns_msg_add_rr(struct cc_dns_msg *m, enum cc_dns_section sec,
		      const char *name, unsigned type, unsigned long ttl,
		      const char *text, struct cc_err *err);

/* Append the wire form of m (no name compression) to out. CC_EINVAL on a
   bad name or record text. */
int cc_dns_msg_encode(const struct cc_dns_msg *m, struct cc_buf *out,
		      struct cc_err *err);

/*
 * Parse a wire message (compression pointers followed, strictly backwards
 * and bounded). *out must be initialised (CC_DNS_MSG_INIT) and is released
 * on failure. CC_EPROTO on anything malformed or truncated.
 */
int cc_dns_msg_parse(const void *data, size_t len, struct cc_dns_msg *out,
		     struct cc_err *err);

/* 1 if the two names are equal (case-insensitive, trailing dot ignored). */
int cc_dns_name_equal(const char *a, const char *b);

/* "TXT", "A", ... or "TYPE<n>" written into buf (>= 16 bytes). */
const char *cc_dns_type_name(unsigned type, char *buf, size_t size);

/* "NXDOMAIN", "SERVFAIL", ... or "RCODE<n>" written into buf (>= 16). */
const char *cc_dns_rcode_name(unsigned rcode, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Queries */

struct cc_dnsq_opts {
	unsigned timeout_ms;	/* per UDP try / TCP exchange; 0 = 2000 */
	unsigned tries;		/* UDP attempts per server; 0 = 2 */
	unsigned ns_port;	/* port used for authoritative servers found
				   through NS records; 0 = 53 */
	int no_edns;		/* do not send an EDNS(0) OPT record */
};

/*
 * One query to server with a random ID (rd: set Recursion Desired). The
 * answer must match the ID and question; others are ignored until the
 * attempt times out. A truncated UDP answer is repeated over TCP; a
 * FORMERR/NOTIMP answer without OPT to an EDNS query is retried without
 * EDNS. Any rcode is a successful exchange (look at out->flags). opts may
 * be NULL. CC_ENET when the server does not answer.
 */
int cc_dnsq_query(const char *server, const char *name, unsigned type,
		  int rd, const struct cc_dnsq_opts *opts,
		  struct cc_dns_msg *out, struct cc_err *err);

/*
 * Recursive query (RD) to the resolvers in turn until one answers with
 * NOERROR or NXDOMAIN. CC_ENET naming the last failure otherwise,
 * CC_EINVAL when nresolvers is 0.
 */
int cc_dnsq_resolve(const char *const *resolvers, size_t nresolvers,
		    const char *name, unsigned type,
		    const struct cc_dnsq_opts *opts, struct cc_dns_msg *out,
		    struct cc_err *err);

/*
 * The values (struct cc_dns_rr.text) of the records of type at name on
 * server, following CNAMEs inside the answer, appended to out; NXDOMAIN or
 * an empty answer gives none (CC_OK). CC_ENET on no answer or another
 * rcode.
 */
int cc_dnsq_values(const char *server, const char *name, unsigned type,
		   int rd, const struct cc_dnsq_opts *opts,
		   struct cc_strlist *out, struct cc_err *err);

/* cc_dnsq_values for TXT: the character-strings of each record joined. */
int cc_dnsq_txt(const char *server, const char *name, int rd,
		const struct cc_dnsq_opts *opts, struct cc_strlist *out,
		struct cc_err *err);

/*
 * The zone (SOA owner) holding name, found by walking up the labels with
 * SOA queries at the resolvers (an SOA in the authority section of a
 * negative answer short-cuts the walk). *zone is malloc'd ("example.com.").
 * CC_ENOENT when no zone is found.
 */
int cc_dnsq_find_zone(const char *const *resolvers, size_t nresolvers,
		      const char *name, const struct cc_dnsq_opts *opts,
		      char **zone, struct cc_err *err);

struct cc_dnsq_ns {
	char *name;			/* "ns1.example.net." or a server */
	struct cc_strlist addrs;	/* servers: IPv4 first, then IPv6 */
};

struct cc_dnsq_nslist {
	struct cc_dnsq_ns *v;
	size_t n;
};

#define CC_DNSQ_NSLIST_INIT { NULL, 0 }

void cc_dnsq_nslist_release(struct cc_dnsq_nslist *l);

/*
 * The authoritative servers of zone: its NS records and their A/AAAA
 * addresses (from the additional section, else asked of the resolvers),
 * with opts->ns_port. Name servers without any address are left out.
 * CC_ENOENT when the zone has no usable NS record.
 */
int cc_dnsq_zone_servers(const char *const *resolvers, size_t nresolvers,
			 const char *zone, const struct cc_dnsq_opts *opts,
			 struct cc_dnsq_nslist *out, struct cc_err *err);

/*
 * Follow the CNAME chain starting at name (at most 16 links). *target is
 * the last name of the chain (a copy of name, made absolute, when name is
 * not an alias). CC_EINVAL on a loop or a too long chain.
 */
int cc_dnsq_follow_cname(const char *const *resolvers, size_t nresolvers,
			 const char *name, const struct cc_dnsq_opts *opts,
			 char **target, struct cc_err *err);

/*
 * The nameservers listed in a resolv.conf file ("nameserver ADDR" lines),
 * appended to out; "127.0.0.1" when it lists none or does not exist.
 */
int cc_dnsq_resolvers_read(const char *path, struct cc_strlist *out,
			   struct cc_err *err);

/* cc_dnsq_resolvers_read("/etc/resolv.conf", ...). */
int cc_dnsq_system_resolvers(struct cc_strlist *out, struct cc_err *err);

/* ------------------------------------------------------------------ */
/* Propagation check */

struct cc_dns_expect {
	const char *fqdn;	/* where the TXT record must be */
	const char *value;	/* one value that must be among its values */
};

struct cc_dns_wait_opts {
	/* Used to find each name's zone and its authoritative servers. */
	const char *const *resolvers;
	size_t nresolvers;
	/*
	 * Override: when nservers > 0, check these servers (with RD set)
	 * instead of the authoritative servers, and use no resolver.
	 */
	const char *const *servers;
	size_t nservers;
	unsigned timeout;		/* total budget (s); 0 = 120 */
	unsigned initial_ms;		/* first delay; 0 = 1000 */
	unsigned max_ms;		/* delay cap (doubling); 0 = 10000 */
	const struct cc_clock *clock;	/* NULL = cc_clock_real */
	const struct cc_dnsq_opts *q;	/* NULL = defaults */
};

/*
 * Wait until every expected (fqdn, value) pair is visible at every server
 * that must see it: each authoritative server of the fqdn's zone (one name
 * server counts once: the first of its addresses that answers decides), or
 * each override server. Several values on one name must all be present
 * together. A server that showed all of them is not asked again.
 * Rounds are separated by a doubling delay through the clock.
 * CC_EPENDING "TXT record for X not visible at N of M servers after T s"
 * when the budget runs out; discovery failures are returned at once;
 * CC_EINVAL without servers or resolvers. opts NULL is not useful (no
 * servers) but safe.
 */
int cc_dns_wait_txt(const struct cc_dns_expect *expect, size_t n,
		    const struct cc_dns_wait_opts *opts, struct cc_err *err);

#endif
