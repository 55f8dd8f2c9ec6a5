/**
 * Chat formatting: {@link dev.bgl.chat.ChatTemplate} renders a model's chat template (or the ChatML fallback)
 * for a list of {@link dev.bgl.chat.ChatMessage}s with {@link dev.bgl.chat.RenderOptions}, using the sandboxed
 * engine in {@link dev.bgl.chat.jinja}; {@link dev.bgl.chat.ThinkingMarkers} tells whether a template is a
 * reasoning model's and whether its generation prompt already opens (or closes) the thinking block.
 */
package dev.bgl.chat;
