package dev.bgl.chat.jinja;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Jinja2's text filters whose rules are Jinja's own rather than Python str's: HTML escaping and title case. */
final class TextFilters {
    private static final Pattern TITLE_SPLIT = Pattern.compile("([-\\s(\\{\\[<]+)");

    private TextFilters() {}

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Jinja2's title filter: capitalize each word, words split at whitespace, '-', and opening brackets. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        Matcher m = TITLE_SPLIT.matcher(s);
        int last = 0;
        while (m.find()) {
            sb.append(PyStrings.capitalize(s.substring(last, m.start())));
            sb.append(m.group());
            last = m.end();
        }
        sb.append(PyStrings.capitalize(s.substring(last)));
        return sb.toString();
    }
}
