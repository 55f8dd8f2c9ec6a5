package dev.bgl.client;

/** A simulated user: an id, a hidden preference, and the task family they mostly ask about. */
public record SimUser(String id, Preference preference, String family) {
}
