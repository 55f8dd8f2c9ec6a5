package dev.bgl.chat;

import dev.bgl.util.BglException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message of a conversation. A template sees it as a map with keys {@code role}, {@code content}
 * and, when set, {@code reasoning_content} (the thinking text, kept apart from the answer as
 * Hugging Face and llama.cpp do). Content may be null (an assistant turn that only calls tools).
 */
public record ChatMessage(String role, String content, String reasoningContent) {
    public ChatMessage {
        if (role == null || role.isBlank()) throw new BglException("chat message: role is missing");
    }

    public ChatMessage(String role, String content) {
        this(role, content, null);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** The map a template sees. */
    public Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        if (reasoningContent != null) m.put("reasoning_content", reasoningContent);
        return m;
    }
}
