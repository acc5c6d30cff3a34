window.VIDEOJS_NO_DYNAMIC_STYLE = true; // video.js in the Bootstrap Italia bundle must not inject inline styles (CSP)
