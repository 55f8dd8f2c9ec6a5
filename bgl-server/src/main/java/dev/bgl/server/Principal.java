package dev.bgl.server;

/**
 * Who is calling: the owner of requests, history and ratings.
 *
 * @param id       "key-" + 8 hex of the key's SHA-256 (an API key), "admin-" + the same (an admin key), or a
 *                 session id "s" + 24 hex (the signed session cookie, when the server has no API keys)
 * @param admin    an admin key: sees every principal's history and may rate any request
 * @param verified the id was proven (a key, or a cookie whose signature checked); false for a session minted for
 *                 this very request, whose rate limits then fall on the client's address
 * @param address  the client's address (the rate-limit key of unverified callers)
 */
record Principal(String id, boolean admin, boolean verified, String address) {
    /** The key rate limits count under: the principal once proven, else the address (fresh sessions cost nothing to mint). */
    String limitKey() {
        return verified ? id : "addr-" + address;
    }
}
