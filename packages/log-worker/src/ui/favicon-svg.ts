/** The viewer's icon, served as `/favicon.svg`: three log lines of rising severity. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1d2433"/>
<rect x="6" y="8" width="20" height="4" rx="2" fill="#58a6ff"/>
<rect x="6" y="14" width="14" height="4" rx="2" fill="#e3a008"/>
<rect x="6" y="20" width="17" height="4" rx="2" fill="#ff6b6b"/>
</svg>
`;
