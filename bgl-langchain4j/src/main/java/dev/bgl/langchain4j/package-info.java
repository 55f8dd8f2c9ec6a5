/**
 * bgl as a LangChain4j model in the same JVM, no server: {@link dev.bgl.langchain4j.BglChatModel}
 * and {@link dev.bgl.langchain4j.BglStreamingChatModel} answer through {@link dev.bgl.api.BglModel},
 * with a thinking budget on the builder and per request ({@link dev.bgl.langchain4j.BglChatRequestParameters}),
 * and return the thinking as LangChain4j's ({@code AiMessage.thinking()}, {@code onPartialThinking}).
 * The last layer: nothing in bgl uses it, and it uses only {@code api}, {@code budget}, {@code chat},
 * {@code decode} and {@code util}, so it can live in a module of its own.
 */
package dev.bgl.langchain4j;
