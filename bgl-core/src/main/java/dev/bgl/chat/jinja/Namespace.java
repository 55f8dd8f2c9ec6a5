package dev.bgl.chat.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: the one value a template may change after creating it ({@code set ns.x = ...}). */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
